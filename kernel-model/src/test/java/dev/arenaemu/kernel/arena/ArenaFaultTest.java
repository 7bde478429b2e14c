package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.EveryEra;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.inject.InjectionSite;
import dev.arenaemu.kernel.mm.VmFaultResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * arena_vm_fault (E3 docs/semantics.md#mutex-era-fault, E5 #preallocating-fault; catalogue 28, 29,
 * 30, 31, 32, 34).
 */
class ArenaFaultTest extends MappedArenaTest {
    @EveryEra
    void scenario28_userFaultAllocatesAZeroPageSharedWithBpf(KernelEra era) {
        Arena arena = mapped(era, 4);
        RecordingVma vma = vmaOf(arena);
        VmFaultResult.Page page = assertInstanceOf(VmFaultResult.Page.class, vma.touch(arena, X + 0x2000, false));
        assertEquals(arena.kernVm().pageAt(arena.kernelAddress(X + 0x2000)), page.phys(), "installed in the kernel range");
        assertEquals(0, fx.kernel.frames().bytes(page.phys()).getLong(0));
        assertFalse(arena.isFree(2));
        assertEquals(2, fx.kernel.frames().refcount(page.phys()));
        fx.kernel.frames().bytes(page.phys()).putLong(0, 77);
        assertEquals(77, fx.kernelLoad(arena.kernelAddress(X + 0x2000)), "BPF sees the user's write");
        fx.kernelStore(arena.kernelAddress(X + 0x2000), 78);
        assertEquals(78, fx.kernel.frames().bytes(page.phys()).getLong(0), "and the user sees BPF's");
        assertEquals(era == KernelEra.LATEST ? 4096 : 0, arena.memUsage());
    }

    @EveryEra
    void scenario29_segvOnFaultRefusesUnpopulatedPages(KernelEra era) {
        Arena arena = mapped(era, 4, ArenaAttr.BPF_F_SEGV_ON_FAULT);
        long used = fx.kernel.frames().used();
        assertEquals(VmFaultResult.SIGSEGV, vmaOf(arena).touch(arena, X + 0x2000, false));
        assertEquals(used, fx.kernel.frames().used(), "no page left behind");
        assertTrue(arena.isFree(2));
    }

    @EveryEra
    void scenario30_segvOnFaultStillMapsBpfPages(KernelEra era) {
        Arena arena = mapped(era, 4, ArenaAttr.BPF_F_SEGV_ON_FAULT);
        long p = arena.allocPages(0, 1, -1, 0);
        fx.kernelStore(arena.kernelAddress(p), 42);
        VmFaultResult.Page page = assertInstanceOf(VmFaultResult.Page.class, vmaOf(arena).touch(arena, p, false));
        assertEquals(42, fx.kernel.frames().bytes(page.phys()).getLong(0));
    }

    @Test
    void scenario31_v613PageAllocationFailureIsSigsegvAndRestoresTheFreeSet() {
        Arena arena = mapped(KernelEra.V6_13, 4);
        assertEquals(VmFaultResult.SIGSEGV, touchWithPageAllocFailing(arena));
        assertTrue(arena.isFree(2));
        assertEquals(0, fx.kernel.frames().used());
    }

    @Test
    void scenario31_latestPageAllocationFailureIsOomAndTheRetrySucceeds() {
        Arena arena = mapped(KernelEra.LATEST, 4);
        assertEquals(VmFaultResult.OOM, touchWithPageAllocFailing(arena));
        assertTrue(arena.isFree(2));
        assertInstanceOf(VmFaultResult.Page.class, vmaOf(arena).touch(arena, X + 0x2000, false));
    }

    @Test
    void scenario31_latestPreallocatesEvenWithSegvOnFault() {
        Arena arena = mapped(KernelEra.LATEST, 4, ArenaAttr.BPF_F_SEGV_ON_FAULT);
        assertEquals(VmFaultResult.OOM, touchWithPageAllocFailing(arena), "allocation comes before the flag test in E5");
    }

    @EveryEra
    void scenario32_kernelMapFailureIsSigsegvPageReleasedFreeSetRestored(KernelEra era) {
        Arena arena = mapped(era, 4);
        long used = fx.kernel.frames().used();
        fx.kernel.faultInjection().failNth(InjectionSite.KERNEL_PTE_INSTALL, 1);
        assertEquals(VmFaultResult.SIGSEGV, vmaOf(arena).touch(arena, X + 0x2000, false));
        assertEquals(used, fx.kernel.frames().used());
        assertTrue(arena.isFree(2));
        assertTrue(arena.snapshot().kernelPages().isEmpty());
    }

    @Test
    void rangeTreeSplitFailureInFaultIsSigsegvInV613AndOomInLatest() {
        Arena old = mapped(KernelEra.V6_13, 4);
        fx.kernel.faultInjection().failNth(InjectionSite.RANGE_TREE_NODE, 1);
        assertEquals(VmFaultResult.SIGSEGV, vmaOf(old).touch(old, X + 0x1000, false));
        fx.close();
        Arena latest = mapped(KernelEra.LATEST, 4);
        fx.kernel.faultInjection().failNth(InjectionSite.RANGE_TREE_NODE, 1);
        assertEquals(VmFaultResult.OOM, vmaOf(latest).touch(latest, X + 0x1000, false));
        assertEquals(1, fx.kernel.frames().used(), "only the scratch page: the preallocated page was given back");
    }

    @EveryEra
    void scenario34_twoVmasFaultTheSamePage(KernelEra era) {
        Arena arena = mapped(era, 4);
        RecordingVma u = vmaOf(arena);
        RecordingVma u2 = fx.mmap(arena, X, 4 * Arena.PAGE_SIZE);
        VmFaultResult.Page a = assertInstanceOf(VmFaultResult.Page.class, u.touch(arena, X + 0x1000, true));
        fx.kernel.frames().bytes(a.phys()).putLong(0, 7);
        VmFaultResult.Page b = assertInstanceOf(VmFaultResult.Page.class, u2.touch(arena, X + 0x1000, false));
        assertEquals(a.phys(), b.phys());
        assertEquals(3, fx.kernel.frames().refcount(a.phys()));
        assertEquals(2, fx.kernel.frames().mapcount(a.phys()));
        assertEquals(7, fx.kernelLoad(arena.kernelAddress(X + 0x1000)));
    }

    @Test
    void latestScratchPageMakesTheUserFaultSigsegvAndIsReplacedByAlloc() {
        Arena arena = mapped(KernelEra.LATEST, 4);
        long k = arena.kernelAddress(X + 0x1000);
        assertTrue(arena.handleKernelFault(k + 16));
        assertEquals(arena.scratchPage(), arena.kernVm().pageAt(k));
        fx.kernelStore(k, 99);   // the PTE at k names the scratch frame, so the store lands there
        assertEquals(99, fx.kernel.frames().bytes(arena.scratchPage()).getLong(0));
        assertEquals(VmFaultResult.SIGSEGV, vmaOf(arena).touch(arena, X + 0x1000, false));
        assertEquals(0, arena.memUsage(), "scratch is never counted");
        assertEquals(X + 0x1000, arena.allocPages(X + 0x1000, 1, -1, 0), "alloc replaces the scratch PTE");
        assertEquals(0, fx.kernelLoad(k), "a fresh zero page, not the scratch frame's bytes");
        assertTrue(fx.kernel.events().isEmpty(), "scrubbing is not a use-after-free");
        assertEquals(4096, arena.memUsage());
    }

    @Test
    void scratchPageOnlyExistsInLatestAndOnlyInsideTheWindow() {
        Arena latest = mapped(KernelEra.LATEST, 4);
        assertFalse(latest.handleKernelFault(latest.kernVmStart() - 8), "lower guard is not recovered");
        assertTrue(latest.handleKernelFault(latest.kernVmStart() + Arena.SZ_4G + 8), "upper half-guard is");
        latest.freePages(X, 4);
        fx.close();
        Arena old = mapped(KernelEra.V6_13, 4);
        assertFalse(old.handleKernelFault(old.kernVmStart()));
    }

    /**
     * Catalogue 20 consequence: after a split (E2–E4 allow it) the upper piece starts at
     * vm_pgoff 1, and arena_vm_fault takes vmf->pgoff = linear_page_index(vma, addr), so a fault
     * at X+8K through that piece takes pgoff 2 out of the free set, not pgoff 1.
     */
    @ParameterizedTest
    @EnumSource(value = KernelEra.class, names = {"V6_13", "V7_0"})
    void scenario20_faultThroughUpperSplitPieceClearsItsFilePgoff(KernelEra era) {
        Arena arena = mapped(era, 4);
        RecordingVma upper = vmaOf(arena).splitAbove(arena, X + 0x1000);
        assertEquals(1, upper.pgoff());
        assertInstanceOf(VmFaultResult.Page.class, upper.touch(arena, X + 0x2000, false));
        assertFalse(arena.isFree(2), "the faulted page's pgoff is taken");
        assertTrue(arena.isFree(1), "the piece's first page stays free");
    }

    /** A user read fault on pgoff 2 (X + 8 KiB) whose page allocation fails once (arena_vm_fault's alloc_pages_node). */
    private VmFaultResult touchWithPageAllocFailing(Arena arena) {
        fx.kernel.faultInjection().failNth(InjectionSite.PAGE_ALLOC, 1);
        return vmaOf(arena).touch(arena, X + 0x2000, false);
    }
}
