package dev.arenaemu.scenarios.replay;

import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.format.ScenarioReader;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * scenarios/bugs: one group of files per public bug (or defect found by reading), named after its
 * identifier. The plain files of an identifier ({@code <id>.<eras>.json}) together cover every era
 * exactly once, each era in the file its behaviour belongs to (the bug where it lived, clean where
 * it did not); variants ({@code <id>.<variant>.<eras>.json}) add another trigger or a mitigation. Every file replays
 * green in each of its eras: a bug file provokes what it declares (broken invariants, kernel
 * reports) and nothing else, a clean file nothing at all.
 */
class BugCorpusTest extends IndexedScenarioFolderTest {
    static final Path BUGS = Path.of("bugs");
    private static final String ERA = "(?:v6\\.9|v6\\.10|v6\\.13|v7\\.0|latest)";
    private static final Pattern NAME = Pattern.compile("([A-Za-z0-9-]+)(\\.[a-z]+)?\\.(" + ERA + "(?:-" + ERA + ")?(?:\\+" + ERA + ")*)\\.json");

    BugCorpusTest() {
        super(BUGS);
    }

    @Test
    void everyIdentifiersPlainFilesCoverEveryEraOnce() throws Exception {
        Map<String, List<Era>> covered = new TreeMap<>();
        for (Path p : files()) {
            Matcher m = NAME.matcher(p.getFileName().toString());
            assertTrue(m.matches(), "bug file name " + p.getFileName());
            Scenario s = ScenarioReader.read(p);
            if (m.group(2) != null) continue;   // a variant (another trigger, a mitigation) of the identifier
            covered.computeIfAbsent(m.group(1), k -> new ArrayList<>()).addAll(s.eras());
        }
        assertTrue(covered.keySet().containsAll(Set.of("CVE-2024-42075", "free-below-start", "page0-null-aliasing", "kernel-patches-bpf-12074")), covered.keySet().toString());
        for (Map.Entry<String, List<Era>> e : covered.entrySet()) {
            assertEquals(List.of(Era.values()), e.getValue().stream().sorted().toList(), e.getKey() + ": eras of its files");
        }
    }

    /** The bug files of the public bugs reproduce in the eras the bug lived in, and only there. */
    @Test
    void bugFilesDeclareWhatTheyReproduce() throws Exception {
        Map<String, Set<Era>> lived = Map.of(
            "CVE-2024-42075.v6.9.json", EnumSet.of(Era.V6_9),
            "kernel-patches-bpf-12074.v6.10-v7.0.json", EnumSet.of(Era.V6_10, Era.V6_13, Era.V7_0),
            "free-below-start.v6.13-v7.0.json", EnumSet.of(Era.V6_13, Era.V7_0, Era.V7_0_STABLE));
        for (Map.Entry<String, Set<Era>> e : lived.entrySet()) {
            Scenario s = ScenarioReader.read(BUGS.resolve(e.getKey()));
            assertEquals(e.getValue(), EnumSet.copyOf(s.eras()), e.getKey());
            assertFalse(s.expectViolations().isEmpty() && s.expectKernelReports().isEmpty(), e.getKey() + " declares what it breaks");
        }
        for (String clean : List.of("CVE-2024-42075.v6.10-v7.0.json", "CVE-2024-42075.latest.json", "kernel-patches-bpf-12074.latest.json",
                                    "kernel-patches-bpf-12074.split.latest.json",
                                    "free-below-start.v6.9-v6.10+latest.json")) {
            Scenario s = ScenarioReader.read(BUGS.resolve(clean));
            assertTrue(s.expectViolations().isEmpty() && s.expectKernelReports().isEmpty(), clean + " is clean");
        }
    }
}
