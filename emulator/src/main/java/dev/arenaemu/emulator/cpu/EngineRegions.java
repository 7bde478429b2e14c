package dev.arenaemu.emulator.cpu;

import dev.arenaemu.emulator.ffm.Unicorn;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongPredicate;

/**
 * The regions of one Unicorn engine, live and retired. Every region is a physical buffer mapped
 * at its physical address (virtual mappings are PTEs, not regions). A buffer whose owner went away
 * (a machine that was reset, leaving it spare in {@code PhysicalMemory}) is <em>retired</em> rather
 * than unmapped: uc_mem_unmap flushes the TLB page by page over the region (measured on 2.0.1, a
 * million calls for a 4 GiB buffer; not re-measured on 2.1.4). A retired region is invisible to
 * the guest (no page-table entry names its frames once its owner's PTEs are gone and the TLB is
 * flushed); mapping the very same bytes at the same physical address again revives it for free,
 * and any other mapping that overlaps it evicts it first.
 */
final class EngineRegions {
    /** A region: [va, va + size) shows host memory from {@code host}. */
    record Region(long va, long size, long host) {
        boolean overlaps(long start, long length) {
            return Long.compareUnsigned(va, start + length - 1) <= 0 && Long.compareUnsigned(start, va + size - 1) <= 0;
        }
    }

    private final Unicorn uc;
    private final TreeMap<Long, Region> live = new TreeMap<>(Long::compareUnsigned);
    private final TreeMap<Long, Region> retired = new TreeMap<>(Long::compareUnsigned);
    private long revived, evicted;

    EngineRegions(Unicorn uc) {
        this.uc = uc;
    }

    void map(long va, long size, MemorySegment bytes) {
        Region wanted = new Region(va, size, bytes.address());
        if (wanted.equals(retired.get(va))) {
            retired.remove(va);
            live.put(va, wanted);
            revived++;
            return;
        }
        for (Region r : overlapping(retired, va, size)) {
            retired.remove(r.va());
            uc.memUnmap(r.va(), r.size());
            evicted++;
        }
        uc.memMapPtr(va, size, Unicorn.PROT_ALL, bytes);
        live.put(va, wanted);
    }

    /** Unmaps a live region exactly as it was mapped. */
    void unmap(long va, long size) {
        Region r = live.get(va);
        if (r == null || r.size() != size) {
            throw new IllegalArgumentException(String.format("no region [0x%x, +0x%x) to unmap", va, size));
        }
        live.remove(va);
        uc.memUnmap(va, size);
    }

    /** Retires every live region whose start {@code keep} does not accept. */
    void retireAllBut(LongPredicate keep) {
        List<Long> starts = new ArrayList<>();
        for (Long va : live.keySet()) if (!keep.test(va)) starts.add(va);
        for (Long va : starts) retired.put(va, live.remove(va));
    }

    /** Retired regions revived by an identical mapping, and evicted by an overlapping one. */
    long revivedCount() { return revived; }
    long evictedCount() { return evicted; }
    int retiredCount() { return retired.size(); }

    private static List<Region> overlapping(TreeMap<Long, Region> set, long va, long size) {
        List<Region> out = new ArrayList<>();
        Map.Entry<Long, Region> below = set.floorEntry(va);
        if (below != null && below.getValue().overlaps(va, size)) out.add(below.getValue());
        for (Region r : set.tailMap(va, false).values()) {
            if (!r.overlaps(va, size)) break;
            out.add(r);
        }
        return out;
    }
}
