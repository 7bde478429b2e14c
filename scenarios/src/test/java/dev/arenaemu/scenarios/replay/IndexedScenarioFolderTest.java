package dev.arenaemu.scenarios.replay;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * What every folder of scenarios with a README.md index (corpus, bugs) must hold to: the index
 * names every file, and every file replays green in each era it lists, on the real models.
 */
abstract class IndexedScenarioFolderTest {
    private final Path folder;

    IndexedScenarioFolderTest(Path folder) {
        this.folder = folder;
    }

    /** The folder's scenario files, sorted by name. */
    final List<Path> files() throws IOException {
        return ScenarioFolder.files(folder);
    }

    @Test
    void theIndexListsEveryFile() throws Exception {
        ScenarioFolder.assertIndexListsEveryFile(folder, files());
    }

    @TestFactory
    Stream<DynamicTest> everyScenarioPassesInEachOfItsEras() throws Exception {
        return ScenarioFolder.replayEachInItsEras(files());
    }
}
