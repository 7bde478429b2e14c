package dev.arenaemu.scenarios.replay;

import dev.arenaemu.emulator.paging.PageTable;
import dev.arenaemu.emulator.paging.PteFlag;
import dev.arenaemu.kernel.arena.Arena;
import dev.arenaemu.scenarios.check.Invariant;
import dev.arenaemu.scenarios.check.InvariantChecker;
import dev.arenaemu.scenarios.check.Violation;
import dev.arenaemu.scenarios.check.WorldState;
import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.format.ScenarioReader;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checker on a real world whose state is broken on purpose, by writing page-table bytes the
 * way a buggy kernel path would (a free that forgets the user zap, a PTE in the guard, a PTE to
 * a freed frame), and by leaking a frame past teardown.
 */
class InvariantCheckerTest {
    /** An arena of 4 pages mapped by U, with pgoff 1 faulted in by a user write. */
    private static final String SETUP = """
        {"name": "checker setup", "era": "v6.13", "arena": {"max_entries": 4},
         "steps": [
           {"op": "mmap", "length": "16K", "as": "X"},
           {"op": "write", "addr": "X+4K", "value": 7}
         ]}""";

    private static World setUp() throws Exception {
        World w = PlayedScenario.play("setup.json", SETUP).world();
        assertEquals(List.of(), InvariantChecker.check(w.state(), 0), "the untouched world is consistent");
        return w;
    }

    private static Set<Invariant> broken(World w) {
        return InvariantChecker.check(w.state(), 1).stream().map(Violation::invariant).collect(Collectors.toSet());
    }

    @Test
    void freeThatSkipsTheUserZapBreaksUserPteMatchesKernelAndTheRefcount() throws Exception {
        try (World w = setUp()) {
            Arena a = w.requireArena("test");
            long x = w.lookup("X");
            // What bpf_arena_free_pages does minus zap_pages(): clear the kernel PTE, drop the arena's reference.
            w.machine().kernelPageTable().unmap(a.kernelAddress(x + 4096));
            Set<Invariant> broken = broken(w);
            assertTrue(broken.contains(Invariant.USER_PTE_MATCHES_KERNEL), broken.toString());
            assertTrue(broken.contains(Invariant.FRAME_REFCOUNT), broken.toString());
        }
    }

    @Test
    void userPteRedirectedToAnotherFrameIsReported() throws Exception {
        try (World w = setUp()) {
            Arena a = w.requireArena("test");
            long x = w.lookup("X");
            PageTable pt = w.processes().get("U").mm().pageTable();
            long otherFrame = WorldState.frameOf(w.machine().kernelPageTable().entry(a.kernelAddress(x + 4096))) + 4096;
            pt.map(x + 4096, otherFrame, PteFlag.RW | PteFlag.US);
            Set<Invariant> broken = broken(w);
            assertTrue(broken.contains(Invariant.USER_PTE_MATCHES_KERNEL), broken.toString());
            assertTrue(broken.contains(Invariant.NO_FREED_FRAME_MAPPED), "the other frame was never allocated: " + broken);
        }
    }

    @Test
    void kernelPteInTheLowerGuardIsReported() throws Exception {
        try (World w = setUp()) {
            Arena a = w.requireArena("test");
            long populated = w.machine().kernelPageTable().entry(a.kernelAddress(w.lookup("X") + 4096));
            w.machine().kernelPageTable().map(a.kernVmStart() - 4096, WorldState.frameOf(populated), PteFlag.RW);
            List<Violation> v = InvariantChecker.check(w.state(), 1);
            assertTrue(v.stream().anyMatch(x -> x.invariant() == Invariant.KERNEL_PTE_IN_RANGE && x.detail().contains("in the guard")), v.toString());
        }
    }

    @Test
    void frameStillAllocatedAfterTeardownIsALeak() throws Exception {
        try (World w = setUp()) {
            long baseline = w.framesInUse();
            // A kernel page taken and never given back (the arena's own frames cannot leak silently:
            // releasing its vm area with a frame in use is a KernelBug in the model).
            long leaked = w.kernel().allocKernelPage("test leak");
            w.teardown();
            List<Violation> v = InvariantChecker.checkTeardown(baseline - 1 /* the page the setup faulted in */, w.framesInUse(), w.framesInUseList());
            assertEquals(1, v.size(), v.toString());
            assertEquals(Invariant.TEARDOWN_RETURNS_FRAMES, v.getFirst().invariant());
            assertTrue(v.getFirst().detail().contains(String.format("0x%x", leaked)), v.getFirst().detail());
        }
    }

    @Test
    void populatedPgoffInTheFreeSetIsReported() {
        TreeMap<Long, Long> kptes = new TreeMap<>(Long::compareUnsigned);
        long kern = 0xffffc90000008000L;
        kptes.put(kern + 0x1000, 0x13_0000_9000L | 3);
        var arena = new WorldState.ArenaState("arena", 0x1000_0000_0000L, 0x1000_0000_4000L, kern, 0x10000, kptes,
            List.of(new WorldState.Run(0, 4)), List.of(), 0);
        var state = new WorldState(List.of(arena), List.of(),
            java.util.Map.of(0x13_0000_9000L, new WorldState.FrameCount(0x13_0000_9000L, 1, true)));
        List<Violation> v = InvariantChecker.check(state, 3);
        assertEquals(List.of(Invariant.POPULATED_NOT_FREE), v.stream().map(Violation::invariant).toList());
        assertTrue(v.getFirst().describe().contains("after step 3"), v.getFirst().describe());
    }

    @Test
    void danglingVmaListEntryIsReportedOnTheRealSplitOfScenario20() throws Exception {
        String text = """
            {"name": "split", "era": "v6.13", "arena": {"max_entries": 4},
             "steps": [
               {"op": "mmap", "length": "16K", "as": "X"},
               {"op": "munmap", "addr": "X+4K", "length": "4K"}
             ]}""";
        Outcome o = new Replayer().run(ScenarioReader.parse(Path.of("split.json"), text), Era.V6_13, List.of(), "replay");
        assertEquals(Outcome.Status.FAIL, o.status());
        assertTrue(o.violations().stream().anyMatch(v -> v.invariant() == Invariant.VMA_LIST_MATCHES && v.detail().contains("dangling")),
            o.problems().toString());
    }
}
