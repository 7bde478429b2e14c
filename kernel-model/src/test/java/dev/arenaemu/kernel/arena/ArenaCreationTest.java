package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.Capability;
import dev.arenaemu.kernel.CreateResult;
import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.EveryEra;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.inject.InjectionSite;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** arena_map_alloc() checks and errnos, in the kernel's order (docs/semantics.md#creation, catalogue 1–11). */
class ArenaCreationTest {
    private ArenaFixture fx;

    private ArenaFixture fixture(KernelEra era) {
        fx = new ArenaFixture(era);
        return fx;
    }

    @AfterEach
    void close() {
        if (fx != null) fx.close();
    }

    private Errno failure(ArenaAttr attr) {
        return assertInstanceOf(CreateResult.Failed.class, Arena.create(fx.kernel, attr)).errno();
    }

    @EveryEra
    void scenario1_minimalArenaHasOneFreePageAndNothingPopulated(KernelEra era) {
        Arena arena = fixture(era).create(ArenaAttr.of(1, 0, 0));
        ArenaSnapshot s = arena.snapshot();
        assertEquals(0, s.userVmStart());
        assertEquals(List.of(new RangeTree.Run(0, 1)), s.freeRuns());
        assertTrue(s.kernelPages().isEmpty());
        assertEquals(0, arena.memUsage());
        assertEquals(arena.kernVm().addr() + Arena.GUARD_SZ / 2, arena.kernVmStart());
        assertEquals(Arena.KERN_VM_SZ, arena.kernVm().size());
    }

    @Test
    void scenario2_nonZeroKeyOrValueSizeIsEinval() {
        fixture(KernelEra.LATEST);
        assertEquals(Errno.EINVAL, failure(new ArenaAttr(4, 0, 1, ArenaAttr.BPF_F_MMAPABLE, 0)));
        assertEquals(Errno.EINVAL, failure(new ArenaAttr(0, 8, 1, ArenaAttr.BPF_F_MMAPABLE, 0)));
    }

    @Test
    void scenario3_missingMmapableIsEinval() {
        fixture(KernelEra.LATEST);
        assertEquals(Errno.EINVAL, failure(new ArenaAttr(0, 0, 1, 0, 0)));
    }

    @Test
    void scenario4_disallowedFlagIsEinval() {
        fixture(KernelEra.LATEST);
        assertEquals(Errno.EINVAL, failure(ArenaAttr.of(1, ArenaAttr.BPF_F_RDONLY_PROG, 0)));
        assertEquals(Errno.EINVAL, failure(ArenaAttr.of(1, ArenaAttr.BPF_F_NUMA_NODE, 0)));
    }

    @Test
    void scenario4_allowedFlagsAreAccepted() {
        fixture(KernelEra.LATEST);
        assertInstanceOf(CreateResult.Created.class,
            Arena.create(fx.kernel, ArenaAttr.of(1, ArenaAttr.BPF_F_SEGV_ON_FAULT | ArenaAttr.BPF_F_NO_USER_CONV, 0)));
    }

    @Test
    void scenario5_zeroMaxEntriesIsEinval() {
        fixture(KernelEra.LATEST);
        assertEquals(Errno.EINVAL, failure(ArenaAttr.of(0, 0, 0)));
    }

    @Test
    void scenario6_fourGibIsTheLimit() {
        fixture(KernelEra.LATEST);
        Arena big = fx.create(ArenaAttr.of(1 << 20, 0, 0));
        assertEquals(List.of(new RangeTree.Run(0, 1 << 20)), big.freeRuns());
        assertEquals(Errno.E2BIG, failure(ArenaAttr.of((1 << 20) + 1, 0, 0)));
    }

    @Test
    void scenario7_unalignedMapExtraIsEinval() {
        fixture(KernelEra.LATEST);
        assertEquals(Errno.EINVAL, failure(ArenaAttr.of(1, 0, 0x1000_0000_0800L)));
    }

    @Test
    void scenario8_userRangeMustNotCrossFourGib() {
        fixture(KernelEra.LATEST);
        assertEquals(Errno.ERANGE, failure(ArenaAttr.of(2, 0, 0x1000_FFFF_F000L)));
        Arena one = fx.create(ArenaAttr.of(1, 0, 0x1000_FFFF_F000L));
        assertEquals(0x1000_FFFF_F000L, one.userVmStart());
        Arena two = fx.create(ArenaAttr.of(2, 0, 0x1000_FFFF_E000L));
        assertEquals(0x1001_0000_0000L, two.userVmEnd());
    }

    @Test
    void scenario8_checksRunInKernelOrderE2bigBeforeErange() {
        fixture(KernelEra.LATEST);
        // Too big and crossing: size is checked first.
        assertEquals(Errno.E2BIG, failure(ArenaAttr.of((1 << 20) + 1, 0, 0x1000_FFFF_F000L)));
        // Unaligned and too big: map_extra alignment is checked before the size.
        assertEquals(Errno.EINVAL, failure(ArenaAttr.of((1 << 20) + 1, 0, 0x800)));
    }

    @ParameterizedTest
    @EnumSource(value = InjectionSite.class, names = {"KERNEL_VA_RESERVE", "ARENA_STRUCT", "RANGE_TREE_NODE"})
    void scenario9_creationAllocationFailureIsEnomemAndLeavesNothingReserved(InjectionSite site) {
        fixture(KernelEra.V6_13);
        long framesBefore = fx.kernel.frames().used();
        fx.kernel.faultInjection().failNth(site, 1);
        assertEquals(Errno.ENOMEM, failure(ArenaAttr.of(4, 0, 0)));
        assertTrue(fx.kernel.addressSpace().areas().isEmpty(), "kernel VA released");
        assertEquals(framesBefore, fx.kernel.frames().used());
        assertEquals(1, fx.kernel.faultInjection().injected().size());
    }

    @ParameterizedTest
    @EnumSource(value = InjectionSite.class, names = {"KERNEL_VA_RESERVE", "ARENA_STRUCT", "SCRATCH_PAGE", "PAGE_ALLOC", "RANGE_TREE_NODE", "PAGE_TABLE_POPULATE"})
    void scenario9_latestScratchPageFailureIsEnomemToo(InjectionSite site) {
        fixture(KernelEra.LATEST);
        fx.kernel.faultInjection().failNth(site, 1);
        assertEquals(Errno.ENOMEM, failure(ArenaAttr.of(4, 0, 0)));
        assertTrue(fx.kernel.addressSpace().areas().isEmpty(), "kernel VA released");
        assertEquals(0, fx.kernel.frames().used(), "scratch page freed");
    }

    @EveryEra
    void scenario9_e4AndLaterPrepopulateThePageTablesOfTheWholeWindow(KernelEra era) {
        fixture(era);
        int before = fx.machine.kernelPageTable().pool().pagesInUse();
        fx.create(ArenaAttr.of(1, 0, 0));
        int tables = fx.machine.kernelPageTable().pool().pagesInUse() - before;
        long pmds = (era.prepopulatedBytes() + (1L << 21) - 1) >> 21;
        if (era.prepopulatedBytes() == 0) assertEquals(0, tables, "E3 creates tables on first use");
        else assertTrue(tables >= pmds && tables <= pmds + 8, "one PTE table per 2 MiB (+ upper levels): " + tables);
    }

    @Test
    void scenario9_e4PrepopulationFailureIsEnomem() {
        fixture(KernelEra.V7_0);
        fx.kernel.faultInjection().failNth(InjectionSite.PAGE_TABLE_POPULATE, 1);
        assertEquals(Errno.ENOMEM, failure(ArenaAttr.of(4, 0, 0)));
        assertTrue(fx.kernel.addressSpace().areas().isEmpty());
    }

    @Test
    void scenario9_latestArenaOwnsOneScratchPageNotCountedInMemUsage() {
        fixture(KernelEra.LATEST);
        Arena arena = fx.create(ArenaAttr.of(4, 0, 0));
        assertEquals(1, fx.kernel.frames().used());
        assertEquals(0, arena.memUsage());
        arena.free();
        assertEquals(0, fx.kernel.frames().used());
    }

    @Test
    void scenario10_noCapBpfIsEpermBeforeAnyArenaCheck() {
        fx = new ArenaFixture(KernelEra.LATEST, EnumSet.of(Capability.CAP_PERFMON));
        assertEquals(Errno.EPERM, failure(ArenaAttr.of(0, 0, 0x801)));
        assertEquals(0, fx.kernel.faultInjection().hits(InjectionSite.KERNEL_VA_RESERVE));
    }

    @EveryEra
    void scenario11_genericMapOperations(KernelEra era) {
        Arena arena = fixture(era).create(ArenaAttr.of(4, 0, 0));
        assertEquals(Errno.EINVAL.neg(), arena.lookupElem());
        assertEquals(Errno.EOPNOTSUPP.neg(), arena.updateElem());
        assertEquals(Errno.EOPNOTSUPP.neg(), arena.deleteElem());
        assertEquals(Errno.EOPNOTSUPP.neg(), arena.getNextKey());
        assertEquals(Errno.EOPNOTSUPP.neg(), arena.pushElem());
        assertEquals(Errno.EOPNOTSUPP.neg(), arena.popElem());
        assertEquals(Errno.EOPNOTSUPP.neg(), arena.peekElem());
    }

    @Test
    void directValueAddrAcceptsTheEndOffsetOnlyBeforeE5() {
        fixture(KernelEra.V6_13);
        Arena old = fx.create(ArenaAttr.of(2, 0, 0x1000_0000_0000L));
        assertEquals(0x1000_0000_0000L, old.mapDirectValueAddr(8192));
        assertEquals(Errno.ERANGE.neg(), old.mapDirectValueAddr(8193));
        fx.close();
        fixture(KernelEra.LATEST);
        Arena latest = fx.create(ArenaAttr.of(2, 0, 0x1000_0000_0000L));
        assertEquals(0x1000_0000_0000L, latest.mapDirectValueAddr(8191));
        assertEquals(Errno.ERANGE.neg(), latest.mapDirectValueAddr(8192));
    }
}
