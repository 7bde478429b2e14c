package dev.arenaemu.scenarios.replay;

import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.format.ScenarioReader;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every corpus scenario (docs/scenario-catalogue.md) replays green in every era it lists, on the
 * real models.
 */
class CorpusTest extends IndexedScenarioFolderTest {
    CorpusTest() {
        super(Path.of("corpus"));
    }

    @Test
    void corpusFilesAreNamedAfterTheirCatalogueNumber() throws Exception {
        for (Path p : files()) {
            Scenario s = ScenarioReader.read(p);
            String file = p.getFileName().toString();
            assertTrue(file.matches("(13|12)-[0-9a-z]+-[a-z0-9-]+(\\.(v6\\.9|v6\\.10|v6\\.13|v7\\.0|latest)(-(v6\\.10|v6\\.13|v7\\.0|latest))?)?\\.json"), "corpus file name " + file);
            assertTrue(file.startsWith(s.name()), file + " holds scenario " + s.name());
        }
    }
}
