package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.Errno;

/**
 * The three kfuncs as BPF calls them, with the map argument untyped ({@code void *p__map}): a
 * map that is not an arena gets NULL / nothing / -EINVAL (docs/semantics.md#kfuncs), anything else goes to
 * {@link Arena}. The JIT's call trampolines and Java callers use the same entry points.
 */
public final class ArenaKfuncs {
    private ArenaKfuncs() {}

    /** bpf_arena_alloc_pages(): the full user address of the first page, or 0 (NULL). */
    public static long bpfArenaAllocPages(Object map, long addr, int pageCnt, int nodeId, long flags) {
        return map instanceof Arena arena ? arena.allocPages(addr, pageCnt, nodeId, flags) : 0;
    }

    /** bpf_arena_free_pages(). */
    public static void bpfArenaFreePages(Object map, long ptr, int pageCnt) {
        if (map instanceof Arena arena) arena.freePages(ptr, pageCnt);
    }

    /** bpf_arena_reserve_pages(): 0 or a negative errno. */
    public static int bpfArenaReservePages(Object map, long ptr, int pageCnt) {
        return map instanceof Arena arena ? arena.reservePages(ptr, pageCnt) : Errno.EINVAL.neg();
    }

    /** bpf_arena_alloc_pages_non_sleepable() (E4+): the verifier's call-site specialisation. */
    public static long bpfArenaAllocPagesNonSleepable(Object map, long addr, int pageCnt, int nodeId, long flags) {
        return map instanceof Arena arena ? arena.allocPagesNonSleepable(addr, pageCnt, nodeId, flags) : 0;
    }

    /** bpf_arena_free_pages_non_sleepable() (E4+): the free is deferred to the kernel workqueue. */
    public static void bpfArenaFreePagesNonSleepable(Object map, long ptr, int pageCnt) {
        if (map instanceof Arena arena) arena.freePagesNonSleepable(ptr, pageCnt);
    }
}
