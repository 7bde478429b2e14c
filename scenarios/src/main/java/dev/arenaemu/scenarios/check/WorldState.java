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
 * @param frames the page allocator's view of every frame some PTE names: refcount and in-use
 */
public record WorldState(Optional<ArenaState> arena, List<SpaceState> spaces, Map<Long, FrameCount> frames) {

    /**
     * The arena: its addresses, the present kernel PTEs in its reserved kernel range (keyed by
     * kernel address), the free set's runs, the vma_list, and the scratch frame (0 if none).
     */
    public record ArenaState(long userVmStart, long userVmEnd, long kernVmStart, long guardSize,
                             NavigableMap<Long, Long> kernelPtes, List<Run> freeRuns, List<VmaRef> vmaList, long scratchFrame) {
        /** The kernel address of a user address: kern_vm_start + lo32(uaddr). */
        public long kern(long uaddr) {
            return kernVmStart + (uaddr & 0xFFFF_FFFFL);
        }

        public boolean isFree(long pgoff) {
            for (Run r : freeRuns) if (pgoff >= r.start() && pgoff < r.start() + r.length()) return true;
            return false;
        }
    }

    /** A maximal run of free pgoffs in the range tree. */
    public record Run(long start, long length) {}

    /** A vma_list entry (the VMA recorded in it) and the number of VMAs sharing it. */
    public record VmaRef(long start, long end, boolean alive, int mmapCount) {}

    /** One process: its arena VMAs and the present user PTEs inside them (keyed by user address). */
    public record SpaceState(String process, List<VmaRange> arenaVmas, NavigableMap<Long, Long> ptes) {}

    public record VmaRange(long start, long end, long flags) {}

    public record FrameCount(long phys, int refcount, boolean inUse) {}

    public static final long PTE_KEEP = 0x0000_00FF_FFFF_F000L | 0x7;

    public static long frameOf(long pte) {
        return pte & 0x0000_00FF_FFFF_F000L;
    }
}
