package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.inject.FaultInjection;
import dev.arenaemu.kernel.inject.InjectionSite;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The part of lib/maple_tree.c the E1–E2 arena uses: a maple tree initialised with
 * MT_FLAGS_ALLOC_RANGE whose entries are ranges of <em>allocated</em> page offsets, each stored
 * with the same non-NULL value (arena.c's MT_ENTRY). Kept here as the entries themselves,
 * {@code first -> last} (inclusive), never merged: the maple tree does not merge neighbouring
 * non-NULL ranges, so an erase removes exactly the range one store put there.
 *
 * <p>Semantics of the calls arena.c makes:
 * <ul>
 *   <li>{@link #insertRange} (mtree_insert_range, and mtree_insert for one index): -EINVAL for
 *       {@code first > last}, -EEXIST if any index of the range holds an entry.</li>
 *   <li>{@link #allocRange} (mtree_alloc_range over mas_empty_area): the <em>lowest</em> gap of
 *       at least {@code size} free indices inside [min, max] (first fit, not best fit);
 *       -EINVAL for {@code min > max}, {@code size == 0} or {@code max - min < size - 1};
 *       -EBUSY when no gap fits.</li>
 *   <li>{@link #erase} (mtree_erase): removes the whole entry containing the index.</li>
 *   <li>{@link #storeNull} (mtree_store_range(first, last, NULL)): every index of the range
 *       becomes empty; entries overlapping its ends keep their outer parts.</li>
 * </ul>
 *
 * <p>Node allocations: a store that changes the tree may need new nodes (the maple tree is
 * copy-on-write per node; mas_nomem allocates and retries). Whether one call needs a node depends
 * on the node layout, which this model does not keep; {@link InjectionSite#MAPLE_NODE} is hit
 * once per storing call (insert, alloc, store) and failing it leaves the tree unchanged with
 * -ENOMEM, as a failed mas_nomem does. Erase (only used on error paths) is not an injection site.
 */
public final class MapleTree {
    private final FaultInjection injection;
    /** first -> last (inclusive) of every entry. */
    private final TreeMap<Long, Long> entries = new TreeMap<>();

    public MapleTree(FaultInjection injection) {
        this.injection = injection;
    }

    /** mtree_insert_range(mt, first, last, entry): 0, -EINVAL, -EEXIST or -ENOMEM. */
    public int insertRange(long first, long last) {
        if (first > last) return Errno.EINVAL.neg();
        if (overlapping(first, last) != null) return Errno.EEXIST.neg();
        if (injection.shouldFail(InjectionSite.MAPLE_NODE)) return Errno.ENOMEM.neg();
        entries.put(first, last);
        return 0;
    }

    /** mtree_insert(mt, index, entry). */
    public int insert(long index) {
        return insertRange(index, index);
    }

    /**
     * mtree_alloc_range(mt, &startp, entry, size, min, max): the start of the lowest gap of
     * {@code size} indices in [min, max], now holding an entry; or -EINVAL, -EBUSY, -ENOMEM.
     */
    public long allocRange(long size, long min, long max) {
        if (min > max) return Errno.EINVAL.neg();
        if (size == 0 || max - min < size - 1) return Errno.EINVAL.neg();
        long candidate = min;
        Map.Entry<Long, Long> before = entries.floorEntry(min);
        if (before != null && before.getValue() >= min) candidate = before.getValue() + 1;
        for (Map.Entry<Long, Long> e : entries.tailMap(candidate, true).entrySet()) {
            if (candidate > max || max - candidate < size - 1) break;
            if (e.getKey() - candidate >= size) break;        // the gap before this entry fits
            candidate = Math.max(candidate, e.getValue() + 1);
        }
        if (candidate > max || max - candidate < size - 1) return Errno.EBUSY.neg();
        if (injection.shouldFail(InjectionSite.MAPLE_NODE)) return Errno.ENOMEM.neg();
        entries.put(candidate, candidate + size - 1);
        return candidate;
    }

    /** mtree_erase(mt, index): removes the entry holding {@code index}; false if there is none. */
    public boolean erase(long index) {
        Map.Entry<Long, Long> e = entries.floorEntry(index);
        if (e == null || e.getValue() < index) return false;
        entries.remove(e.getKey());
        return true;
    }

    /** mtree_store_range(mt, first, last, NULL, GFP_KERNEL): 0 or -ENOMEM (tree unchanged). */
    public int storeNull(long first, long last) {
        if (overlapping(first, last) == null) return 0;   // storing NULL over NULL changes nothing
        if (injection.shouldFail(InjectionSite.MAPLE_NODE)) return Errno.ENOMEM.neg();
        Map.Entry<Long, Long> e;
        while ((e = overlapping(first, last)) != null) {
            long eFirst = e.getKey();
            long eLast = e.getValue();
            entries.remove(eFirst);
            if (eFirst < first) entries.put(eFirst, first - 1);
            if (eLast > last) entries.put(last + 1, eLast);
        }
        return 0;
    }

    /** Whether {@code index} holds an entry (mtree_load != NULL). */
    public boolean contains(long index) {
        return overlapping(index, index) != null;
    }

    /** The entries, by first index, as runs [first, first + length). */
    public List<RangeTree.Run> entries() {
        List<RangeTree.Run> out = new ArrayList<>(entries.size());
        for (Map.Entry<Long, Long> e : entries.entrySet()) out.add(new RangeTree.Run(e.getKey(), e.getValue() - e.getKey() + 1));
        return out;
    }

    /**
     * The gaps of [0, limit), by start: the page offsets no entry holds (what the range tree of
     * later eras would call free runs).
     */
    public List<RangeTree.Run> gaps(long limit) {
        List<RangeTree.Run> out = new ArrayList<>();
        long next = 0;
        for (Map.Entry<Long, Long> e : entries.entrySet()) {
            if (e.getKey() >= limit) break;
            if (e.getKey() > next) out.add(new RangeTree.Run(next, e.getKey() - next));
            next = Math.max(next, e.getValue() + 1);
        }
        if (next < limit) out.add(new RangeTree.Run(next, limit - next));
        return out;
    }

    /** mtree_destroy(). */
    public void destroy() {
        entries.clear();
    }

    /** The lowest entry overlapping [first, last], or null. */
    private Map.Entry<Long, Long> overlapping(long first, long last) {
        Map.Entry<Long, Long> e = entries.floorEntry(first);
        if (e != null && e.getValue() >= first) return e;
        e = entries.ceilingEntry(first);
        if (e != null && e.getKey() <= last) return e;
        return null;
    }
}
