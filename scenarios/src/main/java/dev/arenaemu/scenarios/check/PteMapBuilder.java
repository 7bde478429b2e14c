package dev.arenaemu.scenarios.check;

import dev.arenaemu.emulator.paging.PageTable;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Comparator;
import java.util.Iterator;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Collects the present leaves of a page-table walk into a snapshot's PTE map (address →
 * entry masked by {@link WorldState#PTE_KEEP}, unsigned address order). A walk visits leaves in
 * ascending address order, so the map is built through TreeMap's sorted-input constructor, which
 * links the nodes in linear time: snapshots are taken after every step, and one insertion per
 * PTE was most of a replay's time in scenarios with thousands of pages.
 */
public final class PteMapBuilder implements PageTable.LeafVisitor {
    /** The order of kernel and user PTE maps: upper-half addresses are negative longs. */
    public static final Comparator<Long> UNSIGNED = Long::compareUnsigned;

    private long[] keys = new long[64];
    private long[] values = new long[64];
    private int size;
    private boolean ascending = true;

    @Override
    public void leaf(long va, long pte) {
        if (size > 0 && Long.compareUnsigned(va, keys[size - 1]) <= 0) ascending = false;
        if (size == keys.length) {
            keys = java.util.Arrays.copyOf(keys, size * 2);
            values = java.util.Arrays.copyOf(values, size * 2);
        }
        keys[size] = va;
        values[size] = pte & WorldState.PTE_KEEP;
        size++;
    }

    public NavigableMap<Long, Long> build() {
        if (ascending) return new TreeMap<>(new Sorted());
        TreeMap<Long, Long> map = new TreeMap<>(UNSIGNED);   // several walks out of order: insert one by one
        for (int i = 0; i < size; i++) map.put(keys[i], values[i]);
        return map;
    }

    /** The collected entries seen as a SortedMap, only as far as TreeMap's constructor reads it. */
    private final class Sorted extends AbstractMap<Long, Long> implements SortedMap<Long, Long> {
        @Override public Comparator<? super Long> comparator() { return UNSIGNED; }
        @Override public int size() { return size; }

        @Override
        public Set<Entry<Long, Long>> entrySet() {
            return new AbstractSet<>() {
                @Override public int size() { return size; }
                @Override public Iterator<Entry<Long, Long>> iterator() {
                    return new Iterator<>() {
                        int i;
                        @Override public boolean hasNext() { return i < size; }
                        @Override public Entry<Long, Long> next() {
                            if (i >= size) throw new NoSuchElementException();
                            Entry<Long, Long> e = new SimpleImmutableEntry<>(keys[i], values[i]);
                            i++;
                            return e;
                        }
                    };
                }
            };
        }

        @Override public SortedMap<Long, Long> subMap(Long from, Long to) { throw new UnsupportedOperationException(); }
        @Override public SortedMap<Long, Long> headMap(Long to) { throw new UnsupportedOperationException(); }
        @Override public SortedMap<Long, Long> tailMap(Long from) { throw new UnsupportedOperationException(); }
        @Override public Long firstKey() { throw new UnsupportedOperationException(); }
        @Override public Long lastKey() { throw new UnsupportedOperationException(); }
    }
}
