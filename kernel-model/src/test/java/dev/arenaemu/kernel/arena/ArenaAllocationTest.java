package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.EveryEra;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.inject.InjectionSite;
import dev.arenaemu.kernel.mm.Frames;
import dev.arenaemu.kernel.mm.VmFaultResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import java.util.Arrays;
import java.util.stream.Stream;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** bpf_arena_alloc_pages (docs/semantics.md#allocation, #free-set; catalogue 35–37, 40, 44). */
class ArenaAllocationTest extends MappedArenaTest {
    @EveryEra
    void scenario35_sequentialAnyAddressAllocation(KernelEra era) {
        Arena arena = mapped(era, 4);
        assertEquals(X, arena.allocPages(0, 1, -1, 0));
        assertEquals(X + 0x1000, arena.allocPages(0, 2, -1, 0));
        assertEquals(0, arena.allocPages(0, 2, -1, 0));
        assertEquals(X + 0x3000, arena.allocPages(0, 1, -1, 0));
        assertTrue(arena.freeRuns().isEmpty());
    }

    @EveryEra
    void scenario35_freshPagesAreZeroedAndOnlyInTheKernelRange(KernelEra era) {
        Arena arena = mapped(era, 4);
        RecordingVma vma = (RecordingVma) arena.vmaList().getFirst().vma();
        long p = arena.allocPages(0, 2, -1, 0);
        for (int i = 0; i < 2; i++) {
            long frame = arena.kernVm().pageAt(arena.kernelAddress(p + i * 4096L));
            assertEquals(-1, fx.kernel.frames().bytes(frame).firstByteOtherThan(0, 4096, (byte) 0));
            assertEquals(1, fx.kernel.frames().refcount(frame));
        }
        assertEquals(0, vma.pteCount(), "no user PTE until user space faults");
        assertEquals(era == KernelEra.LATEST ? 2 * 4096 : 0, arena.memUsage());
    }

    @Test
    void scenario36_argumentRejection() {
        Arena arena = mapped(KernelEra.LATEST, 4);
        assertEquals(0, arena.allocPages(0, 0, -1, 0));
        assertEquals(0, arena.allocPages(0, 1, -1, 1));
        assertEquals(0, arena.allocPages(0, 5, -1, 0));
        assertEquals(0, ArenaKfuncs.bpfArenaAllocPages(new Object(), 0, 1, -1, 0), "non-arena map");
        assertEquals(0, arena.allocPages(0, 1, 1000, 0), "E5 rejects an offline node");
        assertEquals(List.of(new RangeTree.Run(0, 4)), arena.freeRuns(), "nothing was taken");
        assertEquals(X, arena.allocPages(0, 1, 0, 0), "node 0 is online");
    }

    @Test
    void scenario36_v613IgnoresTheNodeId() {
        Arena arena = mapped(KernelEra.V6_13, 4);
        assertEquals(X, arena.allocPages(0, 1, 1000, 0));
    }

    @Test
    void scenario36_unmappedArenaAllocatesNothing() {
        fx = new ArenaFixture(KernelEra.LATEST);
        Arena arena = fx.create(ArenaAttr.of(4, 0, 0));
        assertEquals(0, arena.allocPages(0, 1, -1, 0), "page_cnt_max is 0 before the first mmap");
    }

    @EveryEra
    void scenario37_specificAddressRejection(KernelEra era) {
        Arena arena = mapped(era, 4);
        RecordingVma vma = (RecordingVma) arena.vmaList().getFirst().vma();
        assertEquals(0, arena.allocPages(X + 1, 1, -1, 0), "unaligned");
        assertEquals(0, arena.allocPages(X + 0x3000, 2, -1, 0), "past the end");
        assertInstanceOf(VmFaultResult.Page.class, vma.touch(arena, X + 0x2000, false));
        assertEquals(0, arena.allocPages(X + 0x2000, 1, -1, 0), "user-faulted page");
        assertEquals(0, arena.allocPages(X + 0x1000, 2, -1, 0), "overlaps the user-faulted page");
        assertEquals(X + 0x1000, arena.allocPages(X + 0x1000, 1, -1, 0));
    }

    @Test
    void scenario37_onlyTheLow32BitsOfTheAddressMatter() {
        Arena arena = mapped(KernelEra.LATEST, 4);
        assertEquals(X + 0x2000, arena.allocPages(0x7777_0000_2000L, 1, -1, 0));
    }

    /** Every era, with each step of arena_alloc_pages that can fail per page: the page allocation and the kernel PTE. */
    static Stream<Arguments> erasAndPerPageSteps() {
        return Arrays.stream(KernelEra.values()).flatMap(era -> Stream.of(InjectionSite.PAGE_ALLOC, InjectionSite.KERNEL_PTE_INSTALL)
            .map(site -> Arguments.of(era, site)));
    }

    /** All or nothing: the third page's failure undoes the first two (no PTE, no frame, free set unchanged), and a retry succeeds. */
    @ParameterizedTest
    @MethodSource("erasAndPerPageSteps")
    void scenario40_aFailureMidwayLeavesNoPteNoFrameNoFreeSetChange(KernelEra era, InjectionSite site) {
        Arena arena = mapped(era, 8);
        long framesBefore = fx.kernel.frames().used();
        fx.kernel.faultInjection().failNth(site, 3);
        assertEquals(0, arena.allocPages(0, 4, -1, 0));
        assertLeftNoTrace(arena, framesBefore, 8);
        assertEquals(X, arena.allocPages(0, 4, -1, 0), "retry without injection");
    }

    @ParameterizedTest
    @EnumSource(value = KernelEra.class, names = {"V7_0", "LATEST"})
    void scenario42_kernelPteFailureMidBatchRollsBackThroughTheFreePath(KernelEra era) {
        Arena arena = mapped(era, 8);
        RecordingVma vma = (RecordingVma) arena.vmaList().getFirst().vma();
        long framesBefore = fx.kernel.frames().used();
        fx.kernel.faultInjection().failNth(InjectionSite.KERNEL_PTE_INSTALL, 4);
        assertEquals(0, arena.allocPages(X, 6, -1, 0));
        assertEquals(List.of(new RecordingVma.Zap(X, 3 * 4096)), vma.zaps, "the 3 mapped pages went through arena_free_pages (bulk zap)");
        assertEquals(framesBefore, fx.kernel.frames().used(), "mapped pages freed, the other 3 released directly");
        assertEquals(List.of(new RangeTree.Run(0, 8)), arena.freeRuns());
        assertTrue(arena.snapshot().kernelPages().isEmpty());
    }

    @Test
    void scenario40_pageArrayFailureTakesNothing() {
        Arena arena = mapped(KernelEra.LATEST, 8);
        long pageAllocHits = fx.kernel.faultInjection().hits(InjectionSite.PAGE_ALLOC);
        fx.kernel.faultInjection().failNth(InjectionSite.PAGE_ARRAY_ALLOC, 1);
        assertEquals(0, arena.allocPages(0, 4, -1, 0));
        assertEquals(pageAllocHits, fx.kernel.faultInjection().hits(InjectionSite.PAGE_ALLOC), "no page was asked for");
        assertEquals(List.of(new RangeTree.Run(0, 8)), arena.freeRuns());
    }

    @Test
    void scenario41_batchedAllocationFailureInTheThirdBatchUnmapsTheFirstTwo() {
        Arena arena = mapped(KernelEra.LATEST, 4096);
        long framesBefore = fx.kernel.frames().used();
        fx.kernel.faultInjection().failNth(InjectionSite.PAGE_ALLOC, 2 * Arena.ALLOC_BATCH + 1);
        assertEquals(0, arena.allocPages(0, 2051, -1, 0));
        assertLeftNoTrace(arena, framesBefore, 4096);
    }

    /** A failed allocation left no trace: no frame kept, no kernel page, all pages free, nothing charged. */
    private void assertLeftNoTrace(Arena arena, long framesBefore, long pages) {
        assertEquals(framesBefore, fx.kernel.frames().used(), "the pages obtained were released");
        assertTrue(arena.snapshot().kernelPages().isEmpty(), "no kernel PTE written");
        assertEquals(List.of(new RangeTree.Run(0, pages)), arena.freeRuns(), "all pages free");
        assertEquals(0, arena.memUsage(), "nothing charged");
    }

    @EveryEra
    void scenario44_userFaultAtBaseSteersTheFirstAllocation(KernelEra era) {
        Arena arena = mapped(era, 100);
        RecordingVma vma = (RecordingVma) arena.vmaList().getFirst().vma();
        VmFaultResult.Page page = assertInstanceOf(VmFaultResult.Page.class, vma.touch(arena, X, true));
        fx.kernel.frames().bytes(page.phys()).write(0, new byte[] {(byte) 0xaa, 0x55});   // u16 0x55aa
        assertEquals(X + 0x1000, arena.allocPages(0, 1, -1, 0));
        assertEquals(0x55aa, fx.kernelLoad(arena.kernelAddress(X)) & 0xFFFF, "BPF sees the user's write");
        assertEquals(2, fx.kernel.frames().refcount(page.phys()), "arena + user PTE");
        assertEquals(1, fx.kernel.frames().mapcount(page.phys()));
    }

    @Test
    void bestFitFillsOnePageHolesBeforeTheTail() {
        Arena arena = mapped(KernelEra.LATEST, 16);
        for (int i = 0; i < 8; i++) assertEquals(X + i * 0x1000L, arena.allocPages(0, 1, -1, 0));
        arena.freePages(X + 0x1000, 1);
        arena.freePages(X + 0x5000, 1);
        arena.freePages(X + 0x3000, 1);
        // Holes {1}, {3}, {5} and the tail [8, 16): one-page runs first, most recently freed first.
        assertEquals(X + 0x3000, arena.allocPages(0, 1, -1, 0));
        assertEquals(X + 0x5000, arena.allocPages(0, 1, -1, 0));
        assertEquals(X + 0x1000, arena.allocPages(0, 1, -1, 0));
        assertEquals(X + 0x8000, arena.allocPages(0, 1, -1, 0));
    }

    @Test
    void allocationIsBoundedByRam() {
        fx = new ArenaFixture(KernelEra.V6_13);
        Arena arena = fx.create(ArenaAttr.of(1 << 20, 0, 0));
        fx.mmap(arena, 0x2000_0000_0000L, 1L << 32);
        long ramPages = ArenaFixture.RAM / Frames.PAGE_SIZE;
        assertEquals(0, arena.allocPages(0, (int) ramPages + 1, -1, 0));
        assertEquals(0, fx.kernel.frames().used());
        assertEquals(List.of(new RangeTree.Run(0, 1 << 20)), arena.freeRuns());
    }

    /** progs/verifier_arena_large.c big_alloc2, step for step, on a 4 GiB arena whose page 0 holds the globals. */
    @EveryEra
    void selftestBigAlloc2_rangeTreeFillsGapsBestFit(KernelEra era) {
        fx = new ArenaFixture(era);
        Arena arena = fx.create(ArenaAttr.of(1 << 20, 0, 0));
        RecordingVma vma = fx.mmap(arena, 0, Arena.SZ_4G);
        vma.touch(arena, vma.start(), true);                  // libbpf copies the globals into page 0
        final int n = 100;
        long base = arena.allocPages(0, 1, -1, 0);
        assertEquals(vma.start() + 4096, base);
        arena.freePages(base, 1);
        long[] page = new long[n];
        for (int i = 0; i < n; i++) {                          // first pass: sequential
            long pg = arena.allocPages(0, 1, -1, 0);
            assertEquals(i, (pg - base) / 4096);
            fx.kernelStore(arena.kernelAddress(pg), i);
            page[i] = pg;
        }
        for (int i = 0; i < n; i += 2) {                        // free all even pages
            assertEquals(i, fx.kernelLoad(arena.kernelAddress(page[i])));
            arena.freePages(page[i], 1);
        }
        for (int k = 0; k < n / 2; k++) {                       // refill: even gaps below n
            long pg = arena.allocPages(0, 1, -1, 0);
            long idx = (pg - base) / 4096;
            assertTrue(idx < n && (idx & 1) == 0, "gap " + idx);
            fx.kernelStore(arena.kernelAddress(pg), idx);
            page[(int) idx] = pg;
        }
        for (int i = 0; i < n; i += 4) {                        // free pairs
            assertEquals(i, fx.kernelLoad(arena.kernelAddress(page[i])));
            arena.freePages(page[i], 2);
        }
        for (int k = 0; k < n / 4; k++) {                       // two pages at a time into the pair gaps
            long pg = arena.allocPages(0, 2, -1, 0);
            long idx = (pg - base) / 4096;
            assertTrue(idx < n && (idx & 1) == 0, "pair gap " + idx);
            fx.kernelStore(arena.kernelAddress(pg), idx);
            page[(int) idx] = pg;
        }
        for (int i = 0; i < n; i += 2) assertEquals(i, fx.kernelLoad(arena.kernelAddress(page[i])));
        long pg = arena.allocPages(0, 1, -1, 0);
        assertTrue((pg - base) / 4096 >= n, "the first 100 pages are occupied");
    }
}
