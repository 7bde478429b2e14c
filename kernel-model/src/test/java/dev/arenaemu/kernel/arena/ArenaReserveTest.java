package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.inject.InjectionSite;
import dev.arenaemu.kernel.mm.VmFaultResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** bpf_arena_reserve_pages (docs/semantics.md#reserve; catalogue 33, 53, 55). */
class ArenaReserveTest extends MappedArenaTest {
    @ParameterizedTest
    @EnumSource(KernelEra.class)
    void scenario53_reserveBasics(KernelEra era) {
        Arena arena = mapped(era, 4, 0);
        assertEquals(0, arena.reservePages(X, 1));
        fx.kernelStore(arena.kernelAddress(X), 9);
        assertEquals(0, fx.kernelLoad(arena.kernelAddress(X)), "BPF write dropped, read 0: nothing populated");
        assertEquals(0, arena.allocPages(X, 1, -1, 0));
        assertEquals(0, arena.allocPages(0, 4, -1, 0));
        assertEquals(Errno.EBUSY.neg(), arena.reservePages(X, 1));
        arena.freePages(X, 1);
        assertEquals(X, arena.allocPages(X, 1, -1, 0));
    }

    @ParameterizedTest
    @EnumSource(KernelEra.class)
    void scenario55_partialOverlap(KernelEra era) {
        Arena arena = mapped(era, 16, 0);
        assertEquals(0, arena.reservePages(X + 0x3000, 4));
        assertEquals(0, arena.allocPages(X, 5, -1, 0));
        assertEquals(X, arena.allocPages(X, 3, -1, 0));
    }

    @Test
    void reserveQuirksAndLimits() {
        Arena arena = mapped(KernelEra.LATEST, 4, 0);
        assertEquals(0, arena.reservePages(X + 1, 1), "unaligned pointer succeeds and reserves nothing");
        assertEquals(0, arena.reservePages(X, 0));
        assertEquals(List.of(new RangeTree.Run(0, 4)), arena.freeRuns());
        assertEquals(Errno.EINVAL.neg(), arena.reservePages(X + 0x3000, 2), "past the mapping");
        assertEquals(Errno.EINVAL.neg(), ArenaKfuncs.bpfArenaReservePages("not a map", X, 1));
        assertEquals(0, arena.reservePages(0, 1), "NULL is pgoff 0 when lo32(base) == 0");
        assertTrue(!arena.isFree(0));
    }

    @Test
    void reserveSplitFailureIsEnomem() {
        Arena arena = mapped(KernelEra.LATEST, 4, 0);
        fx.kernel.faultInjection().failNth(InjectionSite.RANGE_TREE_NODE, 1);
        assertEquals(Errno.ENOMEM.neg(), arena.reservePages(X + 0x1000, 1));
    }

    @ParameterizedTest
    @EnumSource(KernelEra.class)
    void scenario33_userFaultOnAReservedPagePopulatesIt(KernelEra era) {
        Arena arena = mapped(era, 4, 0);
        RecordingVma vma = (RecordingVma) arena.vmaList().getFirst().vma();
        assertEquals(0, arena.reservePages(X + 0x1000, 1));
        assertInstanceOf(VmFaultResult.Page.class, vma.touch(arena, X + 0x1000, false));
        assertEquals(0, arena.allocPages(X + 0x1000, 1, -1, 0));
        assertEquals(Errno.EBUSY.neg(), arena.reservePages(X + 0x1000, 1));
    }

    @ParameterizedTest
    @EnumSource(KernelEra.class)
    void scenario33_segvOnFaultRefusesAReservedPage(KernelEra era) {
        Arena arena = mapped(era, 4, ArenaAttr.BPF_F_SEGV_ON_FAULT);
        RecordingVma vma = (RecordingVma) arena.vmaList().getFirst().vma();
        assertEquals(0, arena.reservePages(X + 0x1000, 1));
        assertEquals(VmFaultResult.SIGSEGV, vma.touch(arena, X + 0x1000, false));
    }

    /** progs/verifier_arena_large.c free_reserved: reserved and allocated pages are interchangeable for free. */
    @ParameterizedTest
    @EnumSource(KernelEra.class)
    void selftestFreeReserved(KernelEra era) {
        Arena arena = mapped(era, 16, 0);
        long a = X + 0x4000;
        assertEquals(a, arena.allocPages(a, 2, -1, 0));
        assertEquals(0, arena.reservePages(a + 0x2000, 2));
        arena.freePages(a + 0x1000, 2);
        assertEquals(a + 0x1000, arena.allocPages(a + 0x1000, 2, -1, 0));
    }

    /** progs/verifier_arena_large.c access_reserved: reserved pages read 0 after writes. */
    @ParameterizedTest
    @EnumSource(KernelEra.class)
    void selftestAccessReserved(KernelEra era) {
        Arena arena = mapped(era, 16, 0);
        assertEquals(0, arena.reservePages(X + 0x8000, 4));
        for (int i = 0; i < 4; i++) fx.kernelStore(arena.kernelAddress(X + 0x8000 + i * 4096L), 0x5a);
        for (int i = 0; i < 4; i++) assertEquals(0, fx.kernelLoad(arena.kernelAddress(X + 0x8000 + i * 4096L)));
    }
}
