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

/**
 * Same scenario + seed → identical trace: on two machines, and on a new machine as on a reset
 * one whatever ran on it before ({@link dev.arenaemu.emulator.cpu.MachinePool}); a different
 * seed may differ.
 */
class DeterminismTest {
    @Test
    void sameScenarioAndSeedGiveTheSameTraceOnFreshMachines() throws Exception {
        Scenario s = ScenarioReader.read(Path.of("corpus/13-34-shared-page-across-vmas.json"));
        Outcome a = Replayer.withNewMachines().run(s, Era.V6_13, List.of(), "replay");
        Outcome b = Replayer.withNewMachines().run(s, Era.V6_13, List.of(), "replay");
        assertTrue(a.trace().size() > s.steps().size(), "the trace has a line per step and the PTE changes");
        assertEquals(a.trace(), b.trace());
    }

    /**
     * The whole corpus replayed in order on pooled (reset) machines, so that each replay runs on
     * a machine the previous scenarios used (other eras, arenas, processes, JIT programs), gives
     * the traces and results a new machine per replay gives: physical and kernel addresses,
     * frames, reports and outcomes included.
     */
    @Test
    void aResetMachineReplaysTheCorpusExactlyLikeNewMachines() throws Exception {
        List<Path> files;
        try (var list = java.nio.file.Files.list(Path.of("corpus"))) {
            files = list.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        }
        Replayer pooled = new Replayer(), fresh = Replayer.withNewMachines();
        int runs = 0;
        for (Path f : files) {
            Scenario s = ScenarioReader.read(f);
            for (Era e : s.eras()) {
                Outcome p = pooled.run(s, e, List.of(), "replay");
                Outcome n = fresh.run(s, e, List.of(), "replay");
                assertEquals(n.status(), p.status(), s.name() + " " + e);
                assertEquals(n.problems(), p.problems(), s.name() + " " + e);
                assertEquals(n.trace(), p.trace(), s.name() + " " + e);
                runs++;
            }
        }
        assertTrue(runs >= 60, "the corpus was replayed: " + runs + " runs");
        assertTrue(dev.arenaemu.emulator.cpu.MachinePool.shared().reusedCount() > 0, "machines were reused");
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
