package dev.arenaemu.scenarios.replay;

import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.format.ScenarioReader;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every corpus scenario (docs/scenario-catalogue.md) replays green in every era it lists, on the
 * real models.
 */
class CorpusTest {
    static final Path CORPUS = Path.of("corpus");

    static List<Path> corpus() throws IOException {
        return ScenarioFolder.files(CORPUS);
    }

    @Test
    void corpusFilesAreNamedAfterTheirCatalogueNumber() throws Exception {
        for (Path p : corpus()) {
            Scenario s = ScenarioReader.read(p);
            String file = p.getFileName().toString();
            assertTrue(file.matches("(13|12)-[0-9a-z]+-[a-z0-9-]+(\\.(v6\\.9|v6\\.10|v6\\.13|v7\\.0|latest)(-(v6\\.10|v6\\.13|v7\\.0|latest))?)?\\.json"), "corpus file name " + file);
            assertTrue(file.startsWith(s.name()), file + " holds scenario " + s.name());
        }
    }

    @Test
    void corpusIndexListsEveryScenarioFile() throws Exception {
        ScenarioFolder.assertIndexListsEveryFile(CORPUS, corpus());
    }

    @TestFactory
    Stream<DynamicTest> everyCorpusScenarioPassesInEachOfItsEras() throws Exception {
        return ScenarioFolder.replayEachInItsEras(corpus());
    }
}
