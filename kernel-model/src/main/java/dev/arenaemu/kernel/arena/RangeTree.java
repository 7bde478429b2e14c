package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.inject.FaultInjection;
import dev.arenaemu.kernel.inject.InjectionSite;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * kernel/bpf/range_tree.c: the arena's set of free page offsets, kept as maximal runs. Each run
 * is in two trees, as in the kernel: by start (the interval tree) and by size (the rbtree
 * {@code range_find} searches). All offsets are u32, as in the kernel.
 *
 * <p>Best fit with the kernel's tie-break: the size tree puts larger runs left and inserts a run
 * to the right of every run of equal or larger size; {@code __find_range} walks right while the
 * run is big enough. So {@link #find} returns the smallest run that fits and, among runs of that
 * size, the one (re)inserted last. Every change to a run re-inserts it (range_it_remove +
 * range_it_insert), which is what "inserted last" counts. Here a sequence number stands for the
 * insertion order.
 *
 * <p>Node allocations ({@code bpf_mem_alloc}) are {@link InjectionSite#RANGE_TREE_NODE} and fail
 * exactly where the kernel's can: a middle split in {@link #clear} (after the left part was
 * already trimmed, so the right part is lost from the free set, as in the kernel) and a new run
 * in {@link #set}.
 */
public final class RangeTree {
    /** A maximal run of free offsets [start, start + length). */
    public record Run(long start, long length) {}

    private static final long U32 = 0xFFFF_FFFFL;

    private static final class Node {
        long start;
        long last;     // inclusive
        long seq;      // insertion order into the size tree

        long size() { return last - start + 1; }
    }

    /** Ascending size, then newest first: the first node at or above a size is what __find_range returns. */
    private static final Comparator<Node> BY_SIZE = (a, b) -> {
        int bySize = Long.compare(a.size(), b.size());
        return bySize != 0 ? bySize : Long.compare(b.seq, a.seq);
    };

    /** By start: runs never overlap, so their starts alone order them. */
    private static final Comparator<Node> BY_START = (a, b) -> Long.compare(a.start, b.start);

    private final FaultInjection injection;
    // Both trees hold the nodes themselves, no boxed keys: range_tree_clear runs on every
    // populating user fault, and lookups through probe allocate nothing.
    private final TreeSet<Node> byStart = new TreeSet<>(BY_START);
    private final TreeSet<Node> bySize = new TreeSet<>(BY_SIZE);
    /** The search key of {@link #iterFirst}, reused. */
    private final Node probe = new Node();
    private long nextSeq;

    public RangeTree(FaultInjection injection) {
        this.injection = injection;
    }

    /**
     * range_tree_find(): the start of the best-fitting free run of at least {@code len} offsets,
     * or -ENOENT.
     */
    public long find(long len) {
        Node probe = new Node();
        probe.start = 0;
        probe.last = len - 1;
        probe.seq = Long.MAX_VALUE;
        Node best = bySize.ceiling(probe);
        return best == null ? Errno.ENOENT.neg() : best.start;
    }

    /** is_range_tree_set(): 0 if one run covers all of [start, start+len), else -ESRCH. */
    public int isSet(long start, long len) {
        long last = (start + len - 1) & U32;
        Node left = iterFirst(start, last);
        return left != null && left.start <= start && left.last >= last ? 0 : Errno.ESRCH.neg();
    }

    /**
     * range_tree_clear(): removes [start, start+len) from the free set. 0, or -ENOMEM when a run
     * had to be split and the node for its right part could not be allocated (the left part is
     * already trimmed then).
     */
    public int clear(long start, long len) {
        long last = (start + len - 1) & U32;
        Node rn;
        while ((rn = iterFirst(start, last)) != null) {
            if (rn.start < start && rn.last > last) {
                long oldLast = rn.last;
                shrink(rn, rn.start, start - 1);
                if (injection.shouldFail(InjectionSite.RANGE_TREE_NODE)) return Errno.ENOMEM.neg();
                Node right = new Node();
                right.start = last + 1;
                right.last = oldLast;
                insert(right);
            } else if (rn.start < start) {
                shrink(rn, rn.start, start - 1);
            } else if (rn.last > last) {
                shrink(rn, last + 1, rn.last);   // a user fault's range_tree_clear(pgoff, 1) in a free run
                break;
            } else {
                remove(rn);
            }
        }
        return 0;
    }

    /**
     * range_tree_set(): adds [start, start+len) to the free set, merging with adjacent runs.
     * 0, or -ENOMEM when a new run was needed and its node could not be allocated.
     */
    public int set(long start, long len) {
        long last = (start + len - 1) & U32;
        Node left = iterFirst(start, last);
        if (left != null && left.start <= start && left.last >= last) return 0;
        int err = clear(start, len);
        if (err != 0) return err;
        left = iterFirst((start - 1) & U32, (start - 1) & U32);
        Node right = iterFirst((last + 1) & U32, (last + 1) & U32);
        if (left != null && right != null) {
            remove(left);
            remove(right);
            left.last = right.last;
            insert(left);
        } else if (left != null) {
            remove(left);
            left.last = last;
            insert(left);
        } else if (right != null) {
            remove(right);
            right.start = start;
            insert(right);
        } else {
            if (injection.shouldFail(InjectionSite.RANGE_TREE_NODE)) return Errno.ENOMEM.neg();
            Node n = new Node();
            n.start = start;
            n.last = last;
            insert(n);
        }
        return 0;
    }

    /** Whether offset {@code pgoff} is free. */
    public boolean contains(long pgoff) {
        return isSet(pgoff, 1) == 0;
    }

    /** range_tree_destroy(). */
    public void destroy() {
        byStart.clear();
        bySize.clear();
    }

    /** The free runs by start. */
    public List<Run> runs() {
        List<Run> out = new ArrayList<>(byStart.size());
        for (Node n : byStart) out.add(new Run(n.start, n.size()));
        return out;
    }

    /** Free offsets in total. */
    public long freeCount() {
        long sum = 0;
        for (Node n : byStart) sum += n.size();
        return sum;
    }

    /** range_it_iter_first(): the lowest run overlapping [start, last]. */
    private Node iterFirst(long start, long last) {
        probe.start = start;
        Node n = byStart.floor(probe);
        if (n != null && n.last >= start) return n;
        n = byStart.ceiling(probe);
        if (n != null && n.start <= last) return n;
        return null;
    }

    /** Callers take a changed node out first and change no other: no two nodes share a start. */
    private void insert(Node n) {
        n.seq = nextSeq++;
        if (!byStart.add(n)) throw new IllegalStateException("range tree: a run already starts at " + n.start);
        bySize.add(n);
    }

    private void remove(Node n) {
        byStart.remove(n);
        bySize.remove(n);
    }

    /**
     * range_it_remove + range_it_insert of a run that keeps part of its extent: [start, last]
     * lies inside the old one. No other run starts inside the old extent (runs never overlap),
     * so the node keeps its place in the by-start order and only the size tree takes it out
     * and back in (as the newest of its size).
     */
    private void shrink(Node n, long start, long last) {
        bySize.remove(n);
        n.start = start;
        n.last = last;
        n.seq = nextSeq++;
        bySize.add(n);
    }
}
