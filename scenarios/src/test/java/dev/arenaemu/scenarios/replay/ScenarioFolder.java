package dev.arenaemu.scenarios.replay;

import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.format.ScenarioException;
import dev.arenaemu.scenarios.format.ScenarioReader;
import org.junit.jupiter.api.DynamicTest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A folder of scenario files (corpus, bugs, selftests) as the tests read it: its {@code .json}
 * files in name order, its README.md index, and one dynamic test per file and era that replays
 * the scenario green on the real models.
 */
public final class ScenarioFolder {
    private ScenarioFolder() {
    }

    /** The folder's scenario files, sorted by name. */
    public static List<Path> files(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    /** The folder's README.md names every one of the files, in backquotes. */
    public static void assertIndexListsEveryFile(Path folder, List<Path> files) throws IOException {
        String index = Files.readString(folder.resolve("README.md"));
        for (Path p : files) assertTrue(index.contains("`" + p.getFileName() + "`"), p.getFileName() + " is missing from " + folder + "/README.md");
    }

    /** For every file and every era it lists: a test that the replay passes, named "file [era]". */
    public static Stream<DynamicTest> replayEachInItsEras(List<Path> files) throws IOException, ScenarioException {
        List<DynamicTest> tests = new ArrayList<>();
        Replayer replayer = new Replayer();
        for (Path p : files) {
            Scenario s = ScenarioReader.read(p);
            for (Era era : s.eras()) {
                tests.add(DynamicTest.dynamicTest(p.getFileName() + " [" + era + "]", () -> {
                    Outcome o = replayer.run(s, era, List.of(), "replay");
                    assertTrue(o.passed(), () -> String.join("\n", o.problems()) + "\n--- trace ---\n" + String.join("\n", o.trace()));
                }));
            }
        }
        return tests.stream();
    }
}
