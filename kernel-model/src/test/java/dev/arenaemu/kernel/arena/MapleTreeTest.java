package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.inject.FaultInjection;
import dev.arenaemu.kernel.inject.InjectionSite;
import dev.arenaemu.kernel.testing.SeededCheck;
import dev.arenaemu.kernel.testing.SeededCheck.Reducer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The maple-tree calls of the E1–E2 arena (lib/maple_tree.c as kernel/bpf/arena.c at 317460317a02
 * "bpf: Introduce bpf_arena." uses it; replaced by "bpf: Introduce range_tree data structure and
 * use it in bpf arena" in v6.13).
 */
class MapleTreeTest {
    private final FaultInjection injection = new FaultInjection();
    private final MapleTree mt = new MapleTree(injection);

    /** arena_alloc_pages(addr == 0): mtree_alloc_range is lowest first fit, unlike range_tree_find's best fit. */
    @Test
    void allocRangeTakesTheLowestGapThatFits() {
        for (int i = 0; i < 8; i++) assertEquals(i, mt.allocRange(1, 0, 7));
        mt.storeNull(0, 1);          // a two-page gap at 0
        mt.storeNull(5, 5);          // a one-page gap at 5
        assertEquals(0, mt.allocRange(1, 0, 7), "first fit: the two-page gap comes first");
        assertEquals(1, mt.allocRange(1, 0, 7));
        assertEquals(5, mt.allocRange(1, 0, 7));
        assertEquals(Errno.EBUSY.neg(), mt.allocRange(1, 0, 7), "full: mas_empty_area finds no gap");
    }

    @Test
    void allocRangeRejectsWhatMasEmptyAreaRejects() {
        assertEquals(Errno.EINVAL.neg(), mt.allocRange(0, 0, 7), "size 0");
        assertEquals(Errno.EINVAL.neg(), mt.allocRange(9, 0, 7), "max - min < size - 1");
        assertEquals(Errno.EINVAL.neg(), mt.allocRange(1, 5, 4), "min > max");
        assertEquals(0, mt.allocRange(8, 0, 7), "exactly the whole range");
    }

    /** arena_alloc_pages(addr != 0) and arena_vm_fault: mtree_insert_range / mtree_insert fail on any overlap. */
    @Test
    void insertRangeIsEexistOnAnyOverlap() {
        assertEquals(0, mt.insertRange(4, 7));
        assertEquals(Errno.EEXIST.neg(), mt.insertRange(7, 9));
        assertEquals(Errno.EEXIST.neg(), mt.insert(5));
        assertEquals(Errno.EINVAL.neg(), mt.insertRange(3, 2));
        assertEquals(0, mt.insertRange(0, 3), "adjacent is fine");
        assertEquals(List.of(new RangeTree.Run(0, 4), new RangeTree.Run(4, 4)), mt.entries(), "neighbouring entries are not merged");
    }

    /** The error path of arena_alloc_pages: mtree_erase(pgoff) removes the whole entry the allocation stored, not its neighbours. */
    @Test
    void eraseRemovesExactlyTheEntryHoldingTheIndex() {
        mt.insertRange(0, 3);
        mt.insertRange(4, 7);
        assertTrue(mt.erase(4));
        assertEquals(List.of(new RangeTree.Run(0, 4)), mt.entries());
        assertFalse(mt.erase(5));
    }

    /** arena_free_pages: mtree_store_range(NULL) empties the range and keeps the outer parts of entries it cuts. */
    @Test
    void storeNullCutsEntries() {
        mt.insertRange(0, 9);
        assertEquals(0, mt.storeNull(3, 5));
        assertEquals(List.of(new RangeTree.Run(0, 3), new RangeTree.Run(6, 4)), mt.entries());
        assertEquals(0, mt.storeNull(100, 200), "NULL over NULL: nothing to do");
        assertEquals(List.of(new RangeTree.Run(3, 3), new RangeTree.Run(10, 6)), mt.gaps(16));
    }

    /** mas_nomem failing: the store does not happen and the caller sees -ENOMEM. */
    @Test
    void nodeAllocationFailureLeavesTheTreeUnchanged() {
        assertEquals(Errno.ENOMEM.neg(), withNodeAllocationFailing(() -> mt.allocRange(1, 0, 7)));
        assertEquals(List.of(), mt.entries());
        mt.insertRange(0, 3);
        assertEquals(Errno.ENOMEM.neg(), withNodeAllocationFailing(() -> mt.storeNull(0, 3)));
        assertEquals(List.of(new RangeTree.Run(0, 4)), mt.entries(), "a failed free leaves the pgoffs allocated");
    }

    /**
     * Against a bitmap: first fit, insert, store NULL, in any order. 200 sequences of up to 40
     * operations; a failing sequence is reduced (operations dropped, operands lowered).
     */
    @Test
    void agreesWithABitmap() {
        SeededCheck.forAll("MapleTree vs bitmap", 200, MapleTreeTest::operations, Reducer.list(Reducer.towardZero()),
            ops -> "operations " + ops, MapleTreeTest::checkAgainstBitmap);
    }

    /** Up to 40 operations, each an int in [0, 3 * 64): op / 64 picks alloc/insert/free, op % 64 the operand. */
    private static List<Integer> operations(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Integer> ops = new ArrayList<>();
        for (int i = r.nextInt(41); i > 0; i--) ops.add(r.nextInt(3 * 64));
        return ops;
    }

    private static void checkAgainstBitmap(List<Integer> ops) {
        MapleTree t = new MapleTree(new FaultInjection());
        BitSet used = new BitSet(64);
        for (int op : ops) {
            int kind = op / 64, arg = op % 64;
            int len = 1 + arg % 4;
            switch (kind) {
                case 0 -> {   // alloc any
                    long got = t.allocRange(len, 0, 63);
                    int want = -1;
                    for (int s = 0; s + len <= 64; s++) if (used.get(s, s + len).isEmpty()) { want = s; break; }
                    assertEquals(want < 0 ? Errno.EBUSY.neg() : want, got);
                    if (want >= 0) used.set(want, want + len);
                }
                case 1 -> {   // insert at arg
                    int end = Math.min(64, arg + len);
                    int r = t.insertRange(arg, end - 1);
                    assertEquals(used.get(arg, end).isEmpty() ? 0 : Errno.EEXIST.neg(), r);
                    if (r == 0) used.set(arg, end);
                }
                default -> {  // free at arg
                    int end = Math.min(64, arg + len);
                    t.storeNull(arg, end - 1);
                    used.clear(arg, end);
                }
            }
            for (int i = 0; i < 64; i++) assertEquals(used.get(i), t.contains(i), "index " + i);
        }
    }

    /** What {@code op} returns when its maple-node allocation (mas_nomem) fails once. */
    private long withNodeAllocationFailing(java.util.function.LongSupplier op) {
        injection.failNth(InjectionSite.MAPLE_NODE, 1);
        return op.getAsLong();
    }
}
