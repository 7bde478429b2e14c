package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.EveryEra;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.KernelEvent;
import dev.arenaemu.kernel.inject.InjectionSite;
import dev.arenaemu.kernel.mm.VmFlag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * bpf_map_mmap / arena_get_unmapped_area / arena_map_mmap and arena_vm_ops (docs/semantics.md#mmap;
 * catalogue 12–18, 20).
 */
class ArenaMmapTest {
    private static final long SZ16K = 4 * Arena.PAGE_SIZE;
    private ArenaFixture fx;

    @AfterEach
    void close() {
        if (fx != null) fx.close();
    }

    private Arena arena(KernelEra era, long pages, long extra) {
        fx = new ArenaFixture(era);
        return fx.create(ArenaAttr.of(pages, 0, extra));
    }

    private RecordingVma vma(long start, long len, long flags) {
        return new RecordingVma(fx.kernel.frames(), new Object(), start, start + len, flags);
    }

    @Test
    void scenario12_mapPrivateIsEinvalAndLeavesTheStartUnset() {
        Arena arena = arena(KernelEra.LATEST, 4, 0);
        long flags = RecordingVma.sharedReadWrite() & ~VmFlag.SHARED.bit & ~VmFlag.MAYSHARE.bit;
        assertEquals(Errno.EINVAL.neg(), arena.mmap(vma(ArenaFixture.MMAP_BASE, SZ16K, flags)));
        assertEquals(0, arena.userVmStart());
        assertTrue(arena.vmaList().isEmpty());
    }

    @Test
    void scenario13_nonZeroOffsetIsEinval() {
        Arena arena = arena(KernelEra.LATEST, 4, 0);
        assertEquals(Errno.EINVAL.neg(), arena.getUnmappedArea(0, SZ16K, 1, 0, (h, l, f) -> ArenaFixture.MMAP_BASE));
    }

    @EveryEra
    void scenario14_firstMappingFixesTheAddress(KernelEra era) {
        Arena arena = arena(era, 4, 0);
        RecordingVma vma = fx.mmap(arena, 0, SZ16K);
        long x = vma.start();
        assertEquals(x >>> 32, (x + SZ16K - 1) >>> 32);
        assertEquals(x, arena.userVmStart());
        assertEquals(x + SZ16K, arena.userVmEnd());
        assertEquals(1, arena.vmaList().size());
        assertSame(arena.vmaList().getFirst(), vma.privateData());
        assertTrue(arena.snapshot().kernelPages().isEmpty());
        assertEquals(0, arena.memUsage());
        assertTrue(VmFlag.has(vma.flags(), VmFlag.DONTEXPAND));
        // arena_map_mmap's VM_DONTCOPY: latest, and the stable profiles that took 4fddde2a732d
        assertEquals(era == KernelEra.LATEST || era.backports().contains(dev.arenaemu.kernel.Backport.FORK_SPLIT_MREMAP),
            VmFlag.has(vma.flags(), VmFlag.DONTCOPY));
        assertFalse(VmFlag.has(vma.flags(), VmFlag.MAYEXEC), "bpf_map_mmap clears VM_MAYEXEC");
    }

    @Test
    void scenario14_addressCrossingFourGibIsRoundedUp() {
        Arena arena = arena(KernelEra.LATEST, 4, 0);
        long ret = arena.getUnmappedArea(0, SZ16K, 0, 0, (h, l, f) -> 0x7f00_FFFF_E000L);
        assertEquals(0x7f01_0000_0000L, ret);
    }

    @Test
    void scenario15_laterMappingsMustMatch() {
        Arena arena = arena(KernelEra.LATEST, 4, 0);
        long x = fx.mmap(arena, 0, SZ16K).start();
        assertEquals(Errno.EINVAL.neg(), arena.getUnmappedArea(0, SZ16K, 0, 0, (h, l, f) -> h));
        assertEquals(Errno.EINVAL.neg(), arena.getUnmappedArea(x, 8192, 0, 0, (h, l, f) -> h));
        assertEquals(Errno.E2BIG.neg(), arena.getUnmappedArea(x, 32768, 0, 0, (h, l, f) -> h));
        fx.mmap(arena, x, SZ16K);
        assertEquals(2, arena.vmaList().size());
    }

    @Test
    void scenario15_vmaElsewhereIsEbusy() {
        Arena arena = arena(KernelEra.LATEST, 4, 0);
        long x = fx.mmap(arena, 0, SZ16K).start();
        assertEquals(Errno.EBUSY.neg(), arena.mmap(vma(x + 0x10000, SZ16K, RecordingVma.sharedReadWrite())));
        assertEquals(Errno.EBUSY.neg(), arena.mmap(vma(x, 8192, RecordingVma.sharedReadWrite())));
        assertEquals(1, arena.vmaList().size());
    }

    @Test
    void scenario16_mapExtraFixesTheAddress() {
        long e = 0x1000_FFFF_E000L;
        Arena arena = arena(KernelEra.LATEST, 2, e);
        assertEquals(Errno.EINVAL.neg(), arena.getUnmappedArea(0, 8192, 0, 0, (h, l, f) -> ArenaFixture.MMAP_BASE));
        assertEquals(e, fx.mmap(arena, e, 8192).start());
    }

    @Test
    void scenario17_fourGibArenaIsFourGibAligned() {
        Arena arena = arena(KernelEra.LATEST, 1 << 20, 0);
        RecordingVma vma = fx.mmap(arena, 0, Arena.SZ_4G);
        assertEquals(0, vma.start() & 0xFFFF_FFFFL);
        assertEquals(Errno.E2BIG.neg(), arena.getUnmappedArea(0, Arena.SZ_4G + 4096, 0, 0, (h, l, f) -> h));
    }

    @EveryEra
    void scenario18_startIsStickyAfterEveryMappingIsGone(KernelEra era) {
        Arena arena = arena(era, 4, 0);
        RecordingVma vma = fx.mmap(arena, 0, SZ16K);
        long x = vma.start();
        vma.unmap(arena);
        assertTrue(arena.vmaList().isEmpty());
        assertEquals(x, arena.userVmStart());
        assertEquals(Errno.EINVAL.neg(), arena.getUnmappedArea(0, SZ16K, 0, 0, (h, l, f) -> ArenaFixture.MMAP_BASE));
        assertEquals(x, fx.mmap(arena, x, SZ16K).start());
    }

    @Test
    void scenario19_readOnlyMappingLosesMayWrite() {
        Arena arena = arena(KernelEra.LATEST, 4, 0);
        long ro = VmFlag.READ.bit | VmFlag.SHARED.bit | VmFlag.MAYREAD.bit | VmFlag.MAYWRITE.bit | VmFlag.MAYEXEC.bit | VmFlag.MAYSHARE.bit;
        RecordingVma vma = vma(ArenaFixture.MMAP_BASE, SZ16K, ro);
        assertEquals(0, arena.mmap(vma));
        assertFalse(VmFlag.has(vma.flags(), VmFlag.MAYWRITE));
        assertFalse(VmFlag.has(vma.flags(), VmFlag.MAYEXEC));
        assertEquals(0, arena.freeze(), "no writable mapping was ever made");
    }

    @Test
    void writableMappingKeepsTheArenaUnfreezableAndFrozenArenaRefusesWritableMappings() {
        Arena arena = arena(KernelEra.LATEST, 4, 0);
        RecordingVma vma = fx.mmap(arena, 0, SZ16K);
        vma.unmap(arena);
        assertEquals(Errno.EBUSY.neg(), arena.freeze(), "arena vm_ops never uncount the writable mapping (docs/semantics.md#generic-mmap-checks)");
        Arena other = fx.create(ArenaAttr.of(4, 0, 0));
        assertEquals(0, other.freeze());
        assertEquals(Errno.EPERM.neg(), other.mmap(vma(ArenaFixture.MMAP_BASE, SZ16K, RecordingVma.sharedReadWrite())));
    }

    /**
     * map_freeze() checks the fd's write permission before anything else, and map_get_sys_perms()
     * takes FMODE_CAN_WRITE away from a frozen map's fds: a second freeze is -EPERM, not -EBUSY
     * (as the real 6.12, 7.0 and 7.3 kernels answer, docs/oracle.md).
     */
    @Test
    void aSecondFreezeIsRefusedByTheLostWritePermission() {
        Arena arena = arena(KernelEra.LATEST, 4, 0);
        assertEquals(0, arena.freeze());
        assertEquals(Errno.EPERM.neg(), arena.freeze());
    }

    @Test
    void vmaListEntryAllocationFailureIsEnomem() {
        Arena arena = arena(KernelEra.LATEST, 4, 0);
        fx.kernel.faultInjection().failNth(InjectionSite.VMA_LIST_ENTRY, 1);
        assertEquals(Errno.ENOMEM.neg(), arena.mmap(vma(ArenaFixture.MMAP_BASE, SZ16K, RecordingVma.sharedReadWrite())));
        assertEquals(0, arena.userVmStart(), "start not fixed by a failed mmap");
        assertEquals(0, arena.freeze(), "the writable count was undone");
    }

    @Test
    void scenario20_v613SplitOpensAndBothPiecesCloseCleanly() {
        Arena arena = arena(KernelEra.V6_13, 4, 0);
        RecordingVma original = fx.mmap(arena, 0, SZ16K);
        var ops = arena.vmOperations();
        assertEquals(0, ops.maySplit(original, original.start() + 4096));
        RecordingVma piece = vma(original.start() + 4096, 4096, original.flags());
        piece.setPrivateData(original.privateData());
        ops.open(piece);
        assertEquals(2, arena.vmaList().getFirst().mmapCount());
        ops.close(piece);
        assertEquals(1, arena.vmaList().size());
        ops.close(original);
        assertTrue(arena.vmaList().isEmpty());
    }

    @Test
    void scenario20_latestRejectsSplitAndMremap() {
        Arena arena = arena(KernelEra.LATEST, 4, 0);
        RecordingVma vma = fx.mmap(arena, 0, SZ16K);
        assertEquals(Errno.EINVAL.neg(), arena.vmOperations().maySplit(vma, vma.start() + 4096));
        assertEquals(Errno.EINVAL.neg(), arena.vmOperations().mremap(vma));
    }

    @Test
    void teardownWithMappingsWarnsAndLeaks() {
        Arena arena = arena(KernelEra.LATEST, 4, 0);
        fx.mmap(arena, 0, SZ16K);
        arena.allocPages(0, 1, -1, 0);
        arena.free();
        assertInstanceOf(KernelEvent.Warning.class, fx.kernel.events().getFirst());
        assertFalse(arena.isFreed());
        assertEquals(List.of(), arena.freeRuns().stream().filter(r -> r.start() == 0).toList());
    }
}
