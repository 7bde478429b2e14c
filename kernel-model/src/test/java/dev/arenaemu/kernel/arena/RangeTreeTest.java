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

/** kernel/bpf/range_tree.c semantics (docs/semantics.md#free-set). */
class RangeTreeTest {
    private final FaultInjection injection = new FaultInjection();
    private final RangeTree rt = new RangeTree(injection);

    @Test
    void bigAlloc2_sequentialThenHolesThenTwoPageHoles() {
        rt.set(0, 2000);
        for (int i = 0; i < 100; i++) {
            long start = rt.find(1);
            assertEquals(i, start);
            rt.clear(start, 1);
        }
        for (int i = 0; i < 100; i += 2) rt.set(i, 1);           // free every other page
        List<Long> refilled = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            long start = rt.find(1);
            refilled.add(start);
            rt.clear(start, 1);
        }
        assertEquals(50, refilled.stream().filter(s -> s < 100 && s % 2 == 0).count(), "one-page holes before the tail");
        for (int i = 0; i < 100; i += 4) rt.set(i, 2);            // two-page holes
        long two = rt.find(2);
        assertEquals(0, two % 4);
        assertEquals(true, two < 100);
    }

    @Test
    void equalSizedRunsPreferTheMostRecentlyInserted() {
        rt.set(0, 1);
        rt.set(10, 1);
        rt.set(5, 1);
        assertEquals(5, rt.find(1));
        rt.clear(5, 1);
        assertEquals(10, rt.find(1));
        rt.set(20, 4);
        rt.clear(21, 1);   // [20] re-inserted after [0] and [10]; [22,23] is two pages
        assertEquals(20, rt.find(1));
    }

    @Test
    void findFailsWithEnoentAndContainsAllIsEsrch() {
        rt.set(0, 3);
        assertEquals(Errno.ENOENT.neg(), rt.find(4));
        assertEquals(Errno.ESRCH.neg(), rt.isSet(2, 2));
        assertEquals(0, rt.isSet(0, 3));
        rt.clear(1, 1);
        assertEquals(Errno.ESRCH.neg(), rt.isSet(0, 3), "one run must cover the whole range");
    }

    @Test
    void clearingAClearRangeIsANoOp() {
        rt.set(0, 4);
        rt.clear(1, 2);
        assertEquals(0, rt.clear(1, 2));
        assertEquals(List.of(new RangeTree.Run(0, 1), new RangeTree.Run(3, 1)), rt.runs());
    }

    @Test
    void setMergesBothNeighbours() {
        rt.set(0, 2);
        rt.set(4, 2);
        rt.set(2, 2);
        assertEquals(List.of(new RangeTree.Run(0, 6)), rt.runs());
    }

    @Test
    void middleSplitFailureLosesTheRightPartAsTheKernelDoes() {
        rt.set(0, 10);
        assertEquals(Errno.ENOMEM.neg(), withNodeAllocationFailing(() -> rt.clear(4, 2)));
        assertEquals(List.of(new RangeTree.Run(0, 4)), rt.runs(), "left part trimmed, [6,10) gone");
    }

    @Test
    void newRunFailureIsEnomemAndChangesNothing() {
        rt.set(0, 2);
        assertEquals(Errno.ENOMEM.neg(), withNodeAllocationFailing(() -> rt.set(5, 1)));
        assertEquals(List.of(new RangeTree.Run(0, 2)), rt.runs());
        assertEquals(0, rt.set(2, 1), "a merge needs no node");
    }

    /**
     * Against a bitset: membership after random set/clear (range_tree_set / range_tree_clear),
     * runs maximal, range_tree_find is best fit. 200 sequences of up to 60 operations; a failing
     * sequence is reduced (operations dropped, operands lowered) before it is reported.
     */
    @Test
    void agreesWithABitsetModel() {
        SeededCheck.forAll("RangeTree vs bitset", 200, RangeTreeTest::operations,
            Reducer.list(Reducer.towardZero()), ops -> "operations " + ops, RangeTreeTest::checkAgainstBitset);
    }

    /** Up to 60 operations, each an int in [0, 3000]: its residues pick set/clear, start and length. */
    private static List<Integer> operations(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Integer> ops = new ArrayList<>();
        for (int i = r.nextInt(61); i > 0; i--) ops.add(r.nextInt(3001));
        return ops;
    }

    private static void checkAgainstBitset(List<Integer> ops) {
        RangeTree tree = new RangeTree(new FaultInjection());
        BitSet free = new BitSet();
        for (int op : ops) {
            int start = (op * 7) % 64;
            int len = 1 + op % 9;
            if (op % 3 == 0) {
                tree.clear(start, len);
                free.clear(start, start + len);
            } else {
                tree.set(start, len);
                free.set(start, start + len);
            }
        }
        BitSet fromTree = new BitSet();
        long previousEnd = -2;
        for (RangeTree.Run r : tree.runs()) {
            assertEquals(true, r.start() > previousEnd, "runs are maximal and disjoint");
            fromTree.set((int) r.start(), (int) (r.start() + r.length()));
            previousEnd = r.start() + r.length();
        }
        assertEquals(free, fromTree);
        for (int len = 1; len <= 10; len++) {
            long found = tree.find(len);
            long best = Long.MAX_VALUE;
            for (RangeTree.Run r : tree.runs()) if (r.length() >= len) best = Math.min(best, r.length());
            if (best == Long.MAX_VALUE) {
                assertEquals(Errno.ENOENT.neg(), found);
            } else {
                final long f = found;
                RangeTree.Run run = tree.runs().stream().filter(r -> r.start() == f).findFirst().orElseThrow();
                assertEquals(best, run.length(), "best fit for " + len);
            }
        }
    }

    /** What {@code op} returns when its range-tree node allocation fails once. */
    private long withNodeAllocationFailing(java.util.function.LongSupplier op) {
        injection.failNth(InjectionSite.RANGE_TREE_NODE, 1);
        return op.getAsLong();
    }
}
