package dev.arenaemu.scenarios.replay;

import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.format.ScenarioReader;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Same scenario + seed → identical trace, on two fresh machines; a different seed may differ. */
class DeterminismTest {
    @Test
    void sameScenarioAndSeedGiveTheSameTraceOnFreshMachines() throws Exception {
        Scenario s = ScenarioReader.read(Path.of("corpus/13-34-shared-page-across-vmas.json"));
        Outcome a = new Replayer().run(s, Era.V6_13, List.of(), "replay");
        Outcome b = new Replayer().run(s, Era.V6_13, List.of(), "replay");
        assertTrue(a.trace().size() > s.steps().size(), "the trace has a line per step and the PTE changes");
        assertEquals(a.trace(), b.trace());
    }

    @Test
    void randomFaultInjectionIsReproducibleFromItsSeed() throws Exception {
        Scenario s = ScenarioReader.read(Path.of("corpus/12-2-big-alloc2-best-fit.json"));
        var inject = List.of(new dev.arenaemu.scenarios.format.Inject(new dev.arenaemu.scenarios.format.Where("test", 1, 1),
            "page_alloc", 0, 20, 7, 0, 1));
        Outcome a = new Replayer().run(s, Era.LATEST, inject, "random");
        Outcome b = new Replayer().run(s, Era.LATEST, inject, "random");
        assertTrue(a.injected() > 0, "some allocations failed");
        assertEquals(a.trace(), b.trace());
        var other = List.of(new dev.arenaemu.scenarios.format.Inject(new dev.arenaemu.scenarios.format.Where("test", 1, 1),
            "page_alloc", 0, 20, 8, 0, 1));
        assertNotEquals(a.trace(), new Replayer().run(s, Era.LATEST, other, "random").trace(), "another seed fails other hits");
    }
}
