package dev.arenaemu.scenarios.cli;

import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.format.ScenarioReader;
import dev.arenaemu.scenarios.replay.ScenarioFolder;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * scenarios/selftests, the project-written equivalents of the upstream arena selftests
 * (docs/selftest-parity.md): the main job's folder walk finds them, each passes in every era it
 * lists, and the parity table names every one of them with exactly those eras.
 */
class SelftestsTest {
    static final Path SELFTESTS = Path.of("selftests");
    static final Path PARITY = Path.of("..", "docs", "selftest-parity.md");

    static List<Path> selftests() throws IOException {
        return ScenarioFolder.files(SELFTESTS);
    }

    @Test
    void theMainJobsFolderWalkFindsEverySelftest() throws Exception {
        // ./arena-emu replay scenarios walks the scenarios folder; the tests run inside it.
        List<Path> walked = ScenarioFiles.collect(List.of(Path.of("."))).stream().map(p -> p.normalize()).toList();
        assertFalse(selftests().isEmpty());
        for (Path p : selftests()) assertTrue(walked.contains(p.normalize()), p + " is not replayed by the main job");
    }

    @TestFactory
    Stream<DynamicTest> everySelftestEquivalentPassesInEachOfItsEras() throws Exception {
        return ScenarioFolder.replayEachInItsEras(selftests());
    }

    @Test
    void theParityTableNamesEverySelftestWithItsEras() throws Exception {
        String doc = Files.readString(PARITY);
        for (Path p : selftests()) {
            Scenario s = ScenarioReader.read(p);
            String file = p.getFileName().toString();
            Matcher row = Pattern.compile("\\|[^\\n]*`selftests/" + Pattern.quote(file) + "`[^\\n]*\\|").matcher(doc);
            assertTrue(row.find(), file + " is missing from docs/selftest-parity.md");
            String eras = String.join(", ", s.eras().stream().map(e -> e.label).toList());
            assertTrue(row.group().contains("| " + eras + " |"), file + ": the table's eras are not " + eras + ": " + row.group());
            assertTrue(file.startsWith(s.name()), file + " holds scenario " + s.name());
        }
    }

    @Test
    void theParityCountsAddUp() throws Exception {
        String doc = Files.readString(PARITY);
        Matcher counts = Pattern.compile("(\\d+) upstream tests: (\\d+) covered, (\\d+) partly covered, (\\d+) single-thread equivalents, (\\d+) not covered").matcher(doc);
        assertTrue(counts.find(), "docs/selftest-parity.md states its counts");
        int total = Integer.parseInt(counts.group(1));
        int covered = Integer.parseInt(counts.group(2)), partly = Integer.parseInt(counts.group(3));
        int single = Integer.parseInt(counts.group(4)), not = Integer.parseInt(counts.group(5));
        assertEquals(total, covered + partly + single + not);
        assertEquals(covered, count(doc, "\\| covered \\|"));
        assertEquals(partly, count(doc, "\\| partly covered[^|]*\\|"));
        assertEquals(single, count(doc, "\\| single-thread equivalent[^|]*\\|"));
        assertEquals(not, count(doc, "\\| not covered[^|]*\\|"));
    }

    private static int count(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        int n = 0;
        while (m.find()) n++;
        return n;
    }
}
