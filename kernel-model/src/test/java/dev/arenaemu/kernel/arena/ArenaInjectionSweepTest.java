package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.EveryEra;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.inject.FaultAttr;
import dev.arenaemu.kernel.inject.InjectionSite;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sweep: replay a scenario once to count every injection site's hits, then replay it once
 * per hit failing exactly that hit; after each replay the arena's invariants hold and teardown
 * returns every frame with no use-after-free reported.
 */
class ArenaInjectionSweepTest {
    private static final long X = 0x1000_0000_0000L;

    /** A scenario touching every arena path: mmap, user faults, alloc any/specific, reserve, frees, teardown. */
    private static void replay(ArenaFixture fx, Arena arena) {
        RecordingVma vma = new RecordingVma(fx.kernel.frames(), new Object(), X, X + 16 * Arena.PAGE_SIZE, RecordingVma.sharedReadWrite());
        if (arena.mmap(vma) != 0) {   // VMA_LIST_ENTRY failed: mmap returns -ENOMEM, nothing registered
            ArenaInvariants.check(arena, fx.kernel.frames(), 0);
            arena.free();
            return;
        }
        vma.touch(arena, X, true);
        long a = arena.allocPages(0, 3, -1, 0);
        if (arena.kernel().era().hasReservePages()) arena.reservePages(X + 0x6000, 1);   // v6.17+
        arena.allocPages(X + 0x8000, 2, -1, 0);
        vma.touch(arena, X + 0x1000, false);
        vma.touch(arena, X + 0x9000, false);
        vma.touch(arena, X + 0xC000, false);
        if (a != 0) arena.freePages(a, 1);
        arena.freePages(X + 0x8000, 2);
        long b = arena.allocPages(0, 4, -1, 0);
        if (arena.kernel().era().hasNonSleepableKfuncs() && b != 0) {
            arena.freePagesNonSleepable(b + 0x1000, 2);
            arena.allocPagesNonSleepable(0, 2, -1, 0);
            ArenaInvariants.check(arena, fx.kernel.frames(), vma.pteCount());
            fx.kernel.runPendingWork();
        }
        ArenaInvariants.check(arena, fx.kernel.frames(), vma.pteCount());
        vma.unmap(arena);
        ArenaInvariants.check(arena, fx.kernel.frames(), 0);
        arena.free();
    }

    private static Map<InjectionSite, Long> countHits(KernelEra era) {
        try (ArenaFixture fx = new ArenaFixture(era)) {
            Arena arena = fx.create(ArenaAttr.of(16, 0, 0));
            fx.kernel.faultInjection().reset();
            replay(fx, arena);
            return fx.kernel.faultInjection().hitCounts();
        }
    }

    @EveryEra
    void everyInjectedFailureLeavesTheArenaConsistent(KernelEra era) {
        Map<InjectionSite, Long> hits = countHits(era);
        assertTrue(hits.getOrDefault(InjectionSite.PAGE_ALLOC, 0L) >= 10, "scenario reaches the page allocator: " + hits);
        int replays = 0;
        for (Map.Entry<InjectionSite, Long> e : hits.entrySet()) {
            for (long n = 1; n <= e.getValue(); n++) {
                try (ArenaFixture fx = new ArenaFixture(era)) {
                    Arena arena = fx.create(ArenaAttr.of(16, 0, 0));
                    fx.kernel.faultInjection().reset();
                    fx.kernel.faultInjection().failNth(e.getKey(), n);
                    replay(fx, arena);
                    assertEquals(1, fx.kernel.faultInjection().injected().size(), e.getKey() + " hit " + n);
                    assertEquals(0, fx.kernel.frames().used(), "teardown returned every frame after " + e.getKey() + " hit " + n);
                    assertTrue(fx.kernel.events().isEmpty(), "no UAF/WARN after " + e.getKey() + " hit " + n + ": " + fx.kernel.events());
                    replays++;
                }
            }
        }
        assertTrue(replays >= 15, "replays: " + replays);
    }

    @EveryEra
    void randomFailuresWithASeedAreReproducibleAndConsistent(KernelEra era) {
        for (long seed = 1; seed <= 5; seed++) {
            var first = run(era, seed);
            assertEquals(first, run(era, seed), "same seed, same failures");
        }
    }

    private static java.util.List<?> run(KernelEra era, long seed) {
        try (ArenaFixture fx = new ArenaFixture(era)) {
            Arena arena = fx.create(ArenaAttr.of(16, 0, 0));
            fx.kernel.faultInjection().reset();
            for (InjectionSite site : InjectionSite.values()) fx.kernel.faultInjection().configure(site, FaultAttr.probability(20, seed + site.ordinal()));
            replay(fx, arena);
            assertEquals(0, fx.kernel.frames().used());
            return java.util.List.copyOf(fx.kernel.faultInjection().injected());
        }
    }
}
