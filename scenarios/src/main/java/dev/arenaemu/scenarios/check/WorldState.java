package dev.arenaemu.scenarios.check;

import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;

/**
 * A snapshot of everything the invariants talk about, read from the real page-table bytes and
 * the models' own bookkeeping. PTE values are kept as {@code frame | RW | US | P} (A and D are
 * dropped: the CPU sets them, and they do not change what the entry maps).
 *
 * @param arenas every live arena in creation order; the first is "the arena" of the scenario
 *               (the one {@code base}, {@code end} and unnamed expectations talk about)
 * @param frames the page allocator's view of every frame some PTE names: refcount and in-use
 */
public record WorldState(List<ArenaState> arenas, List<SpaceState> spaces, Map<Long, FrameCount> frames) {

    public WorldState {
        arenas = List.copyOf(arenas);
    }

    /** The scenario's first arena, if it is live. */
    public Optional<ArenaState> arena() {
        return arenas.isEmpty() ? Optional.empty() : Optional.of(arenas.getFirst());
    }

    /** The arena labelled {@code name} (its create_arena name; see {@link ArenaState#name()}). */
    public Optional<ArenaState> arena(String name) {
        for (ArenaState a : arenas) if (a.name().equals(name)) return Optional.of(a);
        return Optional.empty();
    }

    /**
     * The arena whose user range holds {@code uaddr}, else the first one: page-map excerpts of a
     * signal or an access show the arena the address belongs to.
     */
    public Optional<ArenaState> arenaAt(long uaddr) {
        for (ArenaState a : arenas) if (a.userVmStart() != 0 && uaddr >= a.userVmStart() && uaddr < a.userVmEnd()) return Optional.of(a);
        return arena();
    }

    /**
     * One arena: its name, its addresses, the present kernel PTEs in its own reserved kernel
     * range (keyed by kernel address), the free set's runs, the vma_list, and the scratch frame
     * (0 if none).
     *
     * @param name the create_arena "name"; a name already taken by an earlier arena gets "#n"
     *             appended (n = its position in creation order, from 1), so names are unique
     */
    public record ArenaState(String name, long userVmStart, long userVmEnd, long kernVmStart, long guardSize,
                             NavigableMap<Long, Long> kernelPtes, List<Run> freeRuns, List<VmaRef> vmaList, long scratchFrame) {
        /** The kernel address of a user address: kern_vm_start + lo32(uaddr). */
        public long kern(long uaddr) {
            return kernVmStart + (uaddr & 0xFFFF_FFFFL);
        }

        /** Whether {@code pgoff} is in the free set: a binary search, as the runs are in ascending order. */
        public boolean isFree(long pgoff) {
            int lo = 0, hi = freeRuns.size() - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                Run r = freeRuns.get(mid);
                if (pgoff < r.start()) hi = mid - 1;
                else if (pgoff >= r.start() + r.length()) lo = mid + 1;
                else return true;
            }
            return false;
        }
    }

    /** A maximal run of free pgoffs in the range tree. */
    public record Run(long start, long length) {}

    /** A vma_list entry (the VMA recorded in it) and the number of VMAs sharing it. */
    public record VmaRef(long start, long end, boolean alive, int mmapCount) {}

    /**
     * One process: its arena VMAs (of every arena, each naming the arena whose map it maps) and
     * the present user PTEs inside them (keyed by user address). A PTE belongs to the arena of
     * the VMA that holds it: {@link #ptesIn(VmaRange)}.
     */
    public record SpaceState(String process, List<VmaRange> arenaVmas, NavigableMap<Long, Long> ptes) {
        /** The present PTEs inside one of this space's VMAs. */
        public NavigableMap<Long, Long> ptesIn(VmaRange vma) {
            return ptes.subMap(vma.start(), true, vma.end(), false);
        }
    }

    /** An arena VMA: its range, vm_flags, and the {@link ArenaState#name()} of the arena it maps. */
    public record VmaRange(String arena, long start, long end, long flags) {}

    public record FrameCount(long phys, int refcount, boolean inUse) {}

    public static final long PTE_KEEP = 0x0000_00FF_FFFF_F000L | 0x7;

    public static long frameOf(long pte) {
        return pte & 0x0000_00FF_FFFF_F000L;
    }
}
