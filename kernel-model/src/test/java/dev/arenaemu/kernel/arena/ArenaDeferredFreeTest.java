package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.KernelBug;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.inject.InjectionSite;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * E4+ non-sleepable kfuncs and the deferred free worker (docs/semantics.md#deferred-free; catalogue
 * 50, 51, 69).
 */
class ArenaDeferredFreeTest extends MappedArenaTest {
    @ErasWithNonSleepableKfuncs
    void scenario50_useAfterNonSleepableFreeSeesTheOldValueUntilTheWorkerRuns(KernelEra era) {
        Arena arena = mapped(era, 4);
        RecordingVma vma = (RecordingVma) arena.vmaList().getFirst().vma();
        long p = arena.allocPages(0, 1, -1, 0);
        vma.touch(arena, p, false);
        fx.kernelStore(arena.kernelAddress(p), 5);

        arena.freePagesNonSleepable(p, 1);

        assertEquals(5, fx.kernelLoad(arena.kernelAddress(p)), "still mapped: the worker has not run");
        assertFalse(arena.isFree(0), "still reserved");
        assertEquals(X + 0x1000, arena.allocPages(0, 1, -1, 0), "alloc(NULL) does not reuse p yet");
        assertNotNull(vma.pte(p));
        assertEquals(1, fx.kernel.pendingWork());

        assertEquals(1, fx.kernel.runPendingWork());

        assertEquals(0, fx.kernelLoad(arena.kernelAddress(p)), "kernel PTE gone, TLB flushed");
        assertNull(vma.pte(p), "user PTE zapped");
        assertTrue(arena.isFree(0));
        assertEquals(0, arena.pendingFreeSpans());
        ArenaInvariants.check(arena, fx.kernel.frames(), vma.pteCount());
    }

    @ErasWithNonSleepableKfuncs
    void scenario50_severalDeferredFreesShareOneWorkItem(KernelEra era) {
        Arena arena = mapped(era, 8);
        long p = arena.allocPages(0, 4, -1, 0);
        arena.freePagesNonSleepable(p, 1);
        arena.freePagesNonSleepable(p + 0x2000, 2);
        assertEquals(2, arena.pendingFreeSpans());
        assertEquals(1, fx.kernel.pendingWork());
        fx.kernel.runPendingWork();
        assertEquals(1, arena.populatedPages());
        assertEquals(List.of(new RangeTree.Run(0, 1), new RangeTree.Run(2, 6)), arena.freeRuns());
    }

    @ErasWithNonSleepableKfuncs
    void scenario51_spanAllocationFailureLeaksThePagesUntilTheArenaDies(KernelEra era) {
        Arena arena = mapped(era, 4);
        long p = arena.allocPages(0, 1, -1, 0);
        fx.kernelStore(arena.kernelAddress(p), 5);
        fx.kernel.faultInjection().failNth(InjectionSite.DEFERRED_FREE_SPAN, 1);
        arena.freePagesNonSleepable(p, 1);
        assertEquals(0, fx.kernel.pendingWork());
        fx.kernel.runPendingWork();
        assertEquals(5, fx.kernelLoad(arena.kernelAddress(p)), "pages stay mapped");
        assertFalse(arena.isFree(0), "and reserved");
        ((RecordingVma) arena.vmaList().getFirst().vma()).unmap(arena);
        arena.free();
        assertEquals(0, fx.kernel.frames().used(), "teardown frees the leaked page");
    }

    @ErasWithNonSleepableKfuncs
    void scenario69_teardownWaitsForPendingDeferredFrees(KernelEra era) {
        Arena arena = mapped(era, 4);
        long p = arena.allocPages(0, 3, -1, 0);
        arena.freePagesNonSleepable(p, 2);
        ((RecordingVma) arena.vmaList().getFirst().vma()).unmap(arena);
        arena.free();
        assertEquals(0, fx.kernel.frames().used(), "every page freed exactly once");
        assertEquals(1, fx.kernel.runPendingWork(), "the stale work item runs harmlessly");
        assertTrue(fx.kernel.events().isEmpty());
    }

    @Test
    void nonSleepableBatchedAllocationFailureDefersTheRollback() {
        Arena arena = mapped(KernelEra.V7_0, 4096);
        fx.kernel.faultInjection().failNth(InjectionSite.PAGE_ALLOC, Arena.ALLOC_BATCH + 1);
        assertEquals(0, arena.allocPagesNonSleepable(0, 2051, -1, 0));
        assertEquals(Arena.ALLOC_BATCH, arena.populatedPages(), "the first batch waits for the worker");
        assertFalse(arena.isFree(0));
        assertTrue(arena.isFree(Arena.ALLOC_BATCH), "the unmapped rest went straight back");
        fx.kernel.runPendingWork();
        assertEquals(0, arena.populatedPages());
        assertEquals(List.of(new RangeTree.Run(0, 4096)), arena.freeRuns());
        assertEquals(0, fx.kernel.frames().used());
    }

    @Test
    void v613HasNoNonSleepableKfuncs() {
        Arena arena = mapped(KernelEra.V6_13, 4);
        assertThrows(KernelBug.class, () -> arena.freePagesNonSleepable(X, 1));
        assertThrows(KernelBug.class, () -> arena.allocPagesNonSleepable(0, 1, -1, 0));
    }
}
