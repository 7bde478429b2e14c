package com.example.arena;

import dev.arenaemu.junit.ScenarioAssertions;
import dev.arenaemu.scenarios.replay.Outcome;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A scenario file of this project, replayed in every era it lists; a mismatch fails the test with the replay's report. */
class ScenarioFileTest {
    @Test
    void freedPageReadsZeroAfterTheNextFault() {
        List<Outcome> runs = ScenarioAssertions.assertPasses(Path.of("src/test/resources/scenarios/free-then-refault.json"));
        assertEquals(3, runs.size(), "v6.13, v7.0 and latest");
    }
}
