package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.CreateResult;
import dev.arenaemu.kernel.KernelBug;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.KernelEvent;
import dev.arenaemu.kernel.inject.InjectionSite;
import dev.arenaemu.kernel.mm.VmFaultResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The E1 (v6.9, 317460317a02 "bpf: Introduce bpf_arena.") and E2 (v6.10–v6.12) switches on a real
 * arena: the maple-tree allocator (replaced by "bpf: Introduce range_tree data structure and use it
 * in bpf arena", v6.13), the missing vm_ops->open (added by "bpf: Fix remap of arena.",
 * b90d77e5fd78, CVE-2024-42075) and the missing reserve kfunc ("bpf/arena: add
 * bpf_arena_reserve_pages kfunc", v6.17).
 */
class ArenaMapleEraTest {
    private static final long X = 0x1000_0000_0000L;
    private ArenaFixture fx;

    @AfterEach
    void close() {
        if (fx != null) fx.close();
    }

    private Arena mapped(KernelEra era, long pages) {
        fx = new ArenaFixture(era);
        Arena arena = fx.create(ArenaAttr.of(pages, 0, X));
        fx.mmap(arena, X, pages * Arena.PAGE_SIZE);
        return arena;
    }

    /** Pages of 8 allocated; 0, 1 and 5 freed; the next three any-address allocations. */
    private List<Long> refillOrder(KernelEra era) {
        Arena arena = mapped(era, 8);
        for (int i = 0; i < 8; i++) assertEquals(X + i * Arena.PAGE_SIZE, arena.allocPages(0, 1, -1, 0));
        for (int i : new int[] {0, 1, 5}) arena.freePages(X + i * Arena.PAGE_SIZE, 1);
        List<Long> pgoffs = new ArrayList<>();
        for (int i = 0; i < 3; i++) pgoffs.add((arena.allocPages(0, 1, -1, 0) - X) / Arena.PAGE_SIZE);
        assertEquals(0, arena.allocPages(0, 1, -1, 0));
        fx.close();
        fx = null;
        return pgoffs;
    }

    /** arena_alloc_pages: mtree_alloc_range (first fit) in E1–E2, range_tree_find (best fit) from E3. */
    @Test
    void anyAddressAllocationIsFirstFitInTheMapleEras() {
        assertEquals(List.of(0L, 1L, 5L), refillOrder(KernelEra.V6_9));
        assertEquals(List.of(0L, 1L, 5L), refillOrder(KernelEra.V6_10));
        assertEquals(List.of(5L, 0L, 1L), refillOrder(KernelEra.V6_13));
    }

    /** arena_alloc_pages(addr): mtree_insert_range fails on any overlap; a failed page allocation erases the entry again. */
    @ParameterizedTest
    @EnumSource(value = KernelEra.class, names = {"V6_9", "V6_10"})
    void specificAddressAllocationInsertsAndErasesTheRange(KernelEra era) {
        Arena arena = mapped(era, 8);
        assertEquals(X + 0x2000, arena.allocPages(X + 0x2000, 2, -1, 0));
        assertEquals(0, arena.allocPages(X + 0x3000, 2, -1, 0), "overlaps pgoff 3: -EEXIST");
        fx.kernel.faultInjection().failNth(InjectionSite.PAGE_ALLOC, 2);
        assertEquals(0, arena.allocPages(X + 0x5000, 2, -1, 0));
        assertTrue(arena.isFree(5) && arena.isFree(6), "mtree_erase gave pgoffs 5 and 6 back");
        assertEquals(List.of(new RangeTree.Run(0, 2), new RangeTree.Run(4, 4)), arena.freeRuns());
    }

    /**
     * arena_free_pages stores NULL over the range: if that store cannot get a node the pgoffs stay
     * allocated though their pages are gone, and arena_vm_fault's mtree_insert then fails: SIGSEGV.
     */
    @Test
    void failedMapleStoreInFreeLeavesThePgoffTakenAndTheFaultSegfaults() {
        Arena arena = mapped(KernelEra.V6_9, 4);
        RecordingVma vma = new RecordingVma(fx.kernel.frames(), new Object(), X, X + 4 * Arena.PAGE_SIZE, RecordingVma.sharedReadWrite());
        long p = arena.allocPages(0, 1, -1, 0);
        fx.kernel.faultInjection().failNth(InjectionSite.MAPLE_NODE, 1);
        arena.freePages(p, 1);
        assertEquals(0, arena.populatedPages(), "the page itself was freed");
        assertFalse(arena.isFree(0));
        assertEquals(VmFaultResult.SIGSEGV, vma.touch(arena, X, false));
    }

    /** arena_map_alloc: mt_init_flags allocates nothing, so a range-tree or maple-node failure cannot fail creation. */
    @ParameterizedTest
    @EnumSource(value = InjectionSite.class, names = {"RANGE_TREE_NODE", "MAPLE_NODE"})
    void creationAllocatesNoAllocatorNode(InjectionSite site) {
        fx = new ArenaFixture(KernelEra.V6_9);
        fx.kernel.faultInjection().failNth(site, 1);
        assertInstanceOf(CreateResult.Created.class, Arena.create(fx.kernel, ArenaAttr.of(4, 0, 0)));
    }

    /**
     * CVE-2024-42075: without arena_vm_open a split piece shares the entry uncounted; the first close
     * kfrees it (list empty while a VMA lives) and the second is a use-after-free in arena_vm_close.
     */
    @Test
    void v6_9SplitSharesTheEntryAndTheSecondCloseIsASlabUseAfterFree() {
        Arena arena = mapped(KernelEra.V6_9, 4);
        RecordingVma original = (RecordingVma) arena.vmaList().getFirst().vma();
        RecordingVma upper = original.splitAbove(arena, X + 0x2000);
        assertEquals(1, arena.vmaList().getFirst().mmapCount(), "no .open: the copy is not counted");
        arena.vmOperations().close(upper);
        assertTrue(arena.vmaList().isEmpty(), "the first close kfreed the shared entry");
        assertTrue(fx.kernel.events().isEmpty());
        arena.vmOperations().close(original);
        KernelEvent.SlabUseAfterFree uaf = assertInstanceOf(KernelEvent.SlabUseAfterFree.class, fx.kernel.events().getFirst());
        assertEquals("arena_vm_close", uaf.where());
        assertEquals("vma_list", uaf.object());
    }

    /** The same split from v6.10 on: arena_vm_open counts the piece, the entry goes with the last close, nothing reported. */
    @Test
    void v6_10SplitIsCountedAndClosesCleanly() {
        Arena arena = mapped(KernelEra.V6_10, 4);
        RecordingVma original = (RecordingVma) arena.vmaList().getFirst().vma();
        RecordingVma upper = original.splitAbove(arena, X + 0x2000);
        assertEquals(2, arena.vmaList().getFirst().mmapCount());
        arena.vmOperations().close(upper);
        assertEquals(1, arena.vmaList().size());
        arena.vmOperations().close(original);
        assertTrue(arena.vmaList().isEmpty());
        assertTrue(fx.kernel.events().isEmpty());
    }

    @ParameterizedTest
    @EnumSource(value = KernelEra.class, names = {"V6_9", "V6_10"})
    void reservePagesDoesNotExistBeforeV6_17(KernelEra era) {
        Arena arena = mapped(era, 4);
        assertThrows(KernelBug.class, () -> arena.reservePages(X, 1));
    }

    /** map_mem_usage is 0 in the maple eras as in every era before E5. */
    @ParameterizedTest
    @EnumSource(value = KernelEra.class, names = {"V6_9", "V6_10"})
    void memUsageIsZero(KernelEra era) {
        Arena arena = mapped(era, 4);
        arena.allocPages(0, 3, -1, 0);
        assertEquals(0, arena.memUsage());
        assertEquals(3, arena.populatedPages());
    }
}
