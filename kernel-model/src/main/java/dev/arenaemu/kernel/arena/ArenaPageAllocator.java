package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.inject.FaultInjection;

import java.util.List;

/**
 * How an arena tracks which page offsets are taken: the calls arena.c makes on its allocator, in
 * the terms of each era. E1–E2 keep the <em>allocated</em> ranges in a {@link MapleTree}
 * ({@link Maple}); E3+ the <em>free</em> runs in a {@link RangeTree} ({@link Ranges}). Chosen by
 * {@link KernelEra#usesMapleTree()}. Every method names the kernel call it stands for in each.
 */
sealed interface ArenaPageAllocator permits ArenaPageAllocator.Ranges, ArenaPageAllocator.Maple {

    /** The allocator of {@code era}, all {@code maxEntries} offsets available. */
    static ArenaPageAllocator of(KernelEra era, FaultInjection injection) {
        return era.usesMapleTree() ? new Maple(new MapleTree(injection)) : new Ranges(new RangeTree(injection));
    }

    /**
     * arena_map_alloc's set-up: range_tree_set(rt, 0, max_entries) (may fail with -ENOMEM);
     * mt_init_flags(MT_FLAGS_ALLOC_RANGE) (allocates nothing). 0 or -errno.
     */
    int init(long maxEntries);

    /**
     * arena_alloc_pages, any address: range_tree_find + range_tree_clear (best fit) / mtree_alloc_range
     * over [0, page_cnt_max - 1] (lowest first fit). The first offset taken, or -errno.
     */
    long allocAny(long cnt, long pageCntMax);

    /**
     * arena_alloc_pages at {@code pgoff}: is_range_tree_set + range_tree_clear / mtree_insert_range.
     * 0 or -errno (any offset of the range taken, or a node allocation failed).
     */
    int allocAt(long pgoff, long cnt);

    /**
     * The error path of arena_alloc_pages after the offsets were taken: range_tree_set(pgoff,
     * cnt) / mtree_erase(pgoff) (the whole entry the allocation stored).
     */
    void undoAlloc(long pgoff, long cnt);

    /** arena_vm_fault taking one offset: range_tree_clear(pgoff, 1) / mtree_insert(pgoff). 0 or -errno. */
    int claimFaultPage(long pgoff);

    /** arena_vm_fault's error path: range_tree_set(pgoff, 1) / mtree_erase(pgoff). */
    void undoFaultPage(long pgoff);

    /**
     * arena_free_pages (and E4's worker): range_tree_set(pgoff, cnt) / mtree_store_range(pgoff,
     * pgoff + cnt - 1, NULL). Return value ignored by the kernel, as here.
     */
    void free(long pgoff, long cnt);

    /**
     * arena_reserve_pages (E3+ only; E1–E2 have no such kfunc): -EBUSY unless every offset is
     * free, then range_tree_clear.
     */
    int reserve(long pgoff, long cnt);

    /** Whether {@code pgoff} is available (free run / no maple entry). */
    boolean isFree(long pgoff);

    /** The available offsets in [0, maxEntries) as runs, by start (the snapshot's "free runs"). */
    List<RangeTree.Run> freeRuns(long maxEntries);

    /** range_tree_destroy / mtree_destroy. */
    void destroy();

    /** E3+: kernel/bpf/range_tree.c, the free runs. */
    record Ranges(RangeTree rt) implements ArenaPageAllocator {
        @Override public int init(long maxEntries) { return rt.set(0, maxEntries); }

        @Override public long allocAny(long cnt, long pageCntMax) {
            long pgoff = rt.find(cnt);
            if (pgoff < 0) return pgoff;
            int err = rt.clear(pgoff, cnt);
            return err != 0 ? err : pgoff;
        }

        @Override public int allocAt(long pgoff, long cnt) {
            int err = rt.isSet(pgoff, cnt);
            return err != 0 ? err : rt.clear(pgoff, cnt);
        }

        @Override public void undoAlloc(long pgoff, long cnt) { rt.set(pgoff, cnt); }
        @Override public int claimFaultPage(long pgoff) { return rt.clear(pgoff, 1); }
        @Override public void undoFaultPage(long pgoff) { rt.set(pgoff, 1); }
        @Override public void free(long pgoff, long cnt) { rt.set(pgoff, cnt); }

        @Override public int reserve(long pgoff, long cnt) {
            if (rt.isSet(pgoff, cnt) != 0) return Errno.EBUSY.neg();
            return rt.clear(pgoff, cnt);
        }

        @Override public boolean isFree(long pgoff) { return rt.contains(pgoff); }
        @Override public List<RangeTree.Run> freeRuns(long maxEntries) { return rt.runs(); }
        @Override public void destroy() { rt.destroy(); }
    }

    /** E1–E2: the maple tree of allocated ranges. */
    record Maple(MapleTree mt) implements ArenaPageAllocator {
        @Override public int init(long maxEntries) { return 0; }

        @Override public long allocAny(long cnt, long pageCntMax) { return mt.allocRange(cnt, 0, pageCntMax - 1); }
        @Override public int allocAt(long pgoff, long cnt) { return mt.insertRange(pgoff, pgoff + cnt - 1); }
        @Override public void undoAlloc(long pgoff, long cnt) { mt.erase(pgoff); }
        @Override public int claimFaultPage(long pgoff) { return mt.insert(pgoff); }
        @Override public void undoFaultPage(long pgoff) { mt.erase(pgoff); }
        @Override public void free(long pgoff, long cnt) { mt.storeNull(pgoff, pgoff + cnt - 1); }

        @Override public int reserve(long pgoff, long cnt) {
            throw new IllegalStateException("bpf_arena_reserve_pages does not exist in the maple-tree eras");
        }

        @Override public boolean isFree(long pgoff) { return !mt.contains(pgoff); }
        /** Without free runs of its own, the gaps between entries below max_entries stand for them. */
        @Override public List<RangeTree.Run> freeRuns(long maxEntries) { return mt.gaps(maxEntries); }
        @Override public void destroy() { mt.destroy(); }
    }
}
