package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.EveryEra;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.KernelEvent;
import dev.arenaemu.kernel.mm.Frames;
import dev.arenaemu.kernel.mm.VmFaultResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** bpf_arena_free_pages (docs/semantics.md#free; catalogue 45, 46, 49, 52). */
class ArenaFreeTest extends MappedArenaTest {
    @EveryEra
    void scenario45_freeingAUserMappedSinglePageZapsEveryVmaAndFreesIt(KernelEra era) {
        Arena arena = mapped(era, 4, 0);
        RecordingVma vma = vmaOf(arena);
        long p = arena.allocPages(X, 1, -1, 0);
        VmFaultResult.Page page = assertInstanceOf(VmFaultResult.Page.class, vma.touch(arena, X, false));
        fx.kernelStore(arena.kernelAddress(p), 42);
        long usage = arena.memUsage();

        arena.freePages(p, 1);

        assertEquals(List.of(new RecordingVma.Zap(X, 4096)), vma.zaps, "single-page zap of the user-mapped page");
        assertNull(vma.pte(X));
        assertEquals(0, arena.kernVm().pageAt(arena.kernelAddress(p)), "kernel PTE removed");
        assertFalse(fx.kernel.frames().inUse(page.phys()), "page freed");
        assertTrue(arena.isFree(0));
        assertEquals(era == KernelEra.LATEST ? usage - 4096 : 0, arena.memUsage());
        assertEquals(0, fx.kernelLoad(arena.kernelAddress(p)), "BPF read of the freed page gives 0");
    }

    @EveryEra
    void scenario45_userRefaultGetsAFreshZeroPage(KernelEra era) {
        Arena arena = mapped(era, 4, 0);
        RecordingVma vma = vmaOf(arena);
        long p = arena.allocPages(X, 1, -1, 0);
        vma.touch(arena, X, true);
        fx.kernelStore(arena.kernelAddress(p), 42);
        arena.freePages(p, 1);
        VmFaultResult.Page again = assertInstanceOf(VmFaultResult.Page.class, vma.touch(arena, X, false));
        assertEquals(0, fx.kernel.frames().bytes(again.phys()).getLong(0));
        assertFalse(arena.isFree(0), "the fault took pgoff 0 again");
        assertTrue(fx.kernel.events().isEmpty(), "no use-after-free: the poisoned page was untouched");
    }

    @EveryEra
    void scenario45_segvOnFaultArenaRefusesTheRefault(KernelEra era) {
        Arena arena = mapped(era, 4, ArenaAttr.BPF_F_SEGV_ON_FAULT);
        RecordingVma vma = vmaOf(arena);
        long p = arena.allocPages(X, 1, -1, 0);
        assertInstanceOf(VmFaultResult.Page.class, vma.touch(arena, X, false), "BPF-allocated pages fault in (30)");
        arena.freePages(p, 1);
        assertEquals(VmFaultResult.SIGSEGV, vma.touch(arena, X, false));
    }

    @EveryEra
    void scenario45_singlePageNotUserMappedIsNotZapped(KernelEra era) {
        Arena arena = mapped(era, 4, 0);
        RecordingVma vma = vmaOf(arena);
        long p = arena.allocPages(0, 1, -1, 0);
        arena.freePages(p, 1);
        assertTrue(vma.zaps.isEmpty());
    }

    @ParameterizedTest
    @EnumSource(value = KernelEra.class, names = {"V6_13", "V7_0", "LATEST"})   // reserves a page: v6.17+
    void scenario46_multiPageFreeWithHolesZapsInBulkAndFreesEverything(KernelEra era) {
        Arena arena = mapped(era, 4, 0);
        RecordingVma vma = vmaOf(arena);
        long p0 = arena.allocPages(X, 1, -1, 0);
        long p2 = arena.allocPages(X + 0x2000, 1, -1, 0);
        assertEquals(0, arena.reservePages(X + 0x1000, 1));
        vma.touch(arena, X + 0x2000, false);
        long frame0 = arena.kernVm().pageAt(arena.kernelAddress(p0));
        long frame2 = arena.kernVm().pageAt(arena.kernelAddress(p2));

        arena.freePages(X, 3);

        assertEquals(List.of(new RecordingVma.Zap(X, 3 * 4096)), vma.zaps, "one bulk zap over the 3 pages");
        assertFalse(fx.kernel.frames().inUse(frame0));
        assertFalse(fx.kernel.frames().inUse(frame2));
        assertEquals(List.of(new RangeTree.Run(0, 4)), arena.freeRuns(), "pgoffs 0-2 free again, reservation gone");
        assertTrue(arena.snapshot().kernelPages().isEmpty());
    }

    @EveryEra
    void scenario46_bulkZapReachesEveryRegisteredVma(KernelEra era) {
        Arena arena = mapped(era, 4, 0);
        RecordingVma first = vmaOf(arena);
        RecordingVma second = fx.mmap(arena, X, 4 * Arena.PAGE_SIZE);
        arena.allocPages(X, 2, -1, 0);
        first.touch(arena, X, false);
        second.touch(arena, X + 0x1000, false);
        arena.freePages(X, 2);
        assertEquals(List.of(new RecordingVma.Zap(X, 2 * 4096)), first.zaps);
        assertEquals(List.of(new RecordingVma.Zap(X, 2 * 4096)), second.zaps);
        assertEquals(0, fx.kernel.frames().used() - (era.usesScratchPage() ? 1 : 0), "scenario 52: both processes' PTEs went, pages freed");
    }

    @EveryEra
    void scenario49_useAfterFreeReadsZeroAndDropsWrites(KernelEra era) {
        Arena arena = mapped(era, 4, 0);
        long p = arena.allocPages(0, 1, -1, 0);
        long k = arena.kernelAddress(p);
        fx.kernelStore(k, 5);
        assertEquals(5, fx.kernelLoad(k), "the load fills the kernel TLB");
        int faultsBefore = fx.kernelFaults.size();

        arena.freePages(p, 1);

        assertEquals(0, fx.kernelLoad(k), "*p reads 0 after free: the TLB entry was flushed");
        fx.kernelStore(k, 6);
        assertEquals(0, fx.kernelLoad(k), "the store was dropped");
        assertEquals(3, fx.kernelFaults.size() - faultsBefore, "each access faulted and was fixed up");
        assertTrue(fx.kernel.events().isEmpty(), "no write reached the freed page");
        assertEquals(p, arena.allocPages(0, 1, -1, 0), "the page is reused cleanly");
        assertEquals(0, fx.kernelLoad(k));
    }

    @Test
    void scenario49_aWriteThroughAStaleMappingIsReportedAsUseAfterFree() {
        Arena arena = mapped(KernelEra.LATEST, 4, 0);
        long p = arena.allocPages(0, 1, -1, 0);
        long frame = arena.kernVm().pageAt(arena.kernelAddress(p));
        arena.freePages(p, 1);
        // Unicorn shows the region's bytes at the VA; a stale TLB entry would let a store land
        // here exactly like this host write does.
        fx.kernel.frames().bytes(frame).putByte(100, (byte) 7);
        assertNotEquals(0, arena.allocPages(0, 1, -1, 0));
        KernelEvent.UseAfterFree uaf = assertInstanceOf(KernelEvent.UseAfterFree.class, fx.kernel.events().getFirst());
        assertEquals(frame, uaf.phys());
        assertEquals(100, uaf.offset());
        assertEquals(0, fx.kernelLoad(arena.kernelAddress(p)), "the reused page is zeroed anyway");
    }

    @EveryEra
    void freeRoundsDownAndClipsAtTheArenaEnd(KernelEra era) {
        Arena arena = mapped(era, 4, 0);
        arena.allocPages(X + 0x2000, 2, -1, 0);
        arena.freePages(X + 0x2FFF, 100);
        assertEquals(List.of(new RangeTree.Run(0, 4)), arena.freeRuns());
        assertEquals(0, arena.populatedPages());
    }

    @EveryEra
    void freeOfNullOrZeroPagesDoesNothing(KernelEra era) {
        Arena arena = mapped(era, 4, 0);
        arena.allocPages(X, 1, -1, 0);
        arena.freePages(0, 1);
        arena.freePages(X, 0);
        assertEquals(1, arena.populatedPages());
    }

    @Test
    void freeBelowStartCorruptsTheFreeSetBeforeE5() {
        long base = 0x1000_8000_0000L;   // lo32(base) != 0
        fx = new ArenaFixture(KernelEra.V6_13);
        Arena arena = fx.create(ArenaAttr.of(4, 0, base));
        fx.mmap(arena, base, 4 * Arena.PAGE_SIZE);
        arena.allocPages(0, 4, -1, 0);
        arena.freePages(0x1000_7FFF_F000L, 1);   // one page below user_vm_start
        assertEquals(List.of(new RangeTree.Run((1 << 20) - 1, 1)), arena.freeRuns(), "compute_pgoff wrapped");
    }

    @Test
    void freeBelowStartIsIgnoredInE5() {
        long base = 0x1000_8000_0000L;
        fx = new ArenaFixture(KernelEra.LATEST);
        Arena arena = fx.create(ArenaAttr.of(4, 0, base));
        fx.mmap(arena, base, 4 * Arena.PAGE_SIZE);
        arena.allocPages(0, 4, -1, 0);
        arena.freePages(0x1000_7FFF_F000L, 1);
        assertTrue(arena.freeRuns().isEmpty());
    }

    @Test
    void v613ZapOfAVanishedRecordedVmaIsReportedAsDangling() {
        Arena arena = mapped(KernelEra.V6_13, 4, 0);
        RecordingVma vma = vmaOf(arena);
        arena.allocPages(X, 2, -1, 0);
        vma.kill();   // the recorded VMA went away while its entry lived on (split/fork UAF, docs/semantics.md#vma-lifecycle)
        arena.freePages(X, 2);
        assertInstanceOf(KernelEvent.DanglingVma.class, fx.kernel.events().getFirst());
        assertTrue(vma.zaps.isEmpty());
        assertEquals(0, arena.populatedPages());
        assertEquals(0, fx.kernel.frames().used(), Frames.class.getSimpleName() + " all returned");
    }

    @Test
    void latestZapSkipsAVanishedVmaSilently() {
        Arena arena = mapped(KernelEra.LATEST, 4, 0);
        RecordingVma vma = vmaOf(arena);
        arena.allocPages(X, 2, -1, 0);
        vma.kill();   // E5 re-finds the VMA under mmap_read_lock and zaps only if it is still this arena's
        arena.freePages(X, 2);
        assertTrue(fx.kernel.events().isEmpty());
        assertTrue(vma.zaps.isEmpty());
        assertEquals(0, arena.populatedPages());
    }

    /**
     * Catalogue 65, E2–E4 fork (docs/semantics.md#vma-lifecycle): the child's VMA shares the entry,
     * so zap_pages only reaches the parent's. The child's PTE keeps the old frame alive (detached
     * from the arena), and the next allocation at that pgoff gets a different frame.
     */
    @Test
    void v613ForkChildKeepsAFreedPageAliveAndTheReallocationGetsAnotherFrame() {
        Arena arena = mapped(KernelEra.V6_13, 4, 0);
        RecordingVma parent = vmaOf(arena);
        RecordingVma child = new RecordingVma(fx.kernel.frames(), new Object(), parent.start(), parent.end(), parent.flags());
        child.setPrivateData(parent.privateData());
        arena.vmOperations().open(child);                       // dup_mmap -> vm_ops->open
        long p = arena.allocPages(0, 1, -1, 0);
        parent.touch(arena, p, false);
        VmFaultResult.Page page = assertInstanceOf(VmFaultResult.Page.class, child.touch(arena, p, false));

        arena.freePages(p, 1);

        assertEquals(List.of(new RecordingVma.Zap(p, 4096)), parent.zaps);
        assertTrue(child.zaps.isEmpty(), "the child's VMA is not on vma_list");
        assertEquals(1, fx.kernel.frames().refcount(page.phys()), "the child's PTE keeps the page alive");
        assertTrue(fx.kernel.frames().inUse(page.phys()));
        assertEquals(p, arena.allocPages(0, 1, -1, 0), "the pgoff is free again");
        long again = arena.kernVm().pageAt(arena.kernelAddress(p));
        assertNotEquals(page.phys(), again, "a new frame: the child's old page is not the arena's any more");
        assertTrue(fx.kernel.events().isEmpty(), fx.kernel.events().toString());
    }

    @Test
    void latestForkGivesTheChildNoVmaBecauseOfDontCopy() {
        Arena arena = mapped(KernelEra.LATEST, 4, 0);
        assertTrue(dev.arenaemu.kernel.mm.VmFlag.has(vmaOf(arena).flags(), dev.arenaemu.kernel.mm.VmFlag.DONTCOPY));
    }
}
