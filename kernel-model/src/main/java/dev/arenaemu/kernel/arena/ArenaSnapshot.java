package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.mm.Frames;

import java.util.List;

/**
 * An arena's state for the invariant checker: every present kernel PTE with its frame and that
 * frame's counts, the free set's runs, and the vma_list. Taken by {@link Arena#snapshot()}.
 */
public record ArenaSnapshot(
    long userVmStart,
    long userVmEnd,
    long kernVmStart,
    List<KernelPage> kernelPages,
    List<RangeTree.Run> freeRuns,
    List<Vma> vmaList,
    long memUsage,
    boolean scratchPageInUse) {

    /** A present kernel PTE at {@code kernVmStart + offset} naming {@code frame}. */
    public record KernelPage(long offset, long kaddr, long frame, int refcount, int mapcount, boolean scratch) {}

    /** A vma_list entry: the recorded VMA's range, whether it still exists, and the entry's refcount. */
    public record Vma(long start, long end, boolean alive, int mmapCount) {}

    /** The frame counts as one record list (for comparison with {@link Frames#snapshot()}). */
    public List<Frames.FrameInfo> frames() {
        return kernelPages.stream().filter(p -> !p.scratch()).map(p -> new Frames.FrameInfo(p.frame(), p.refcount(), p.mapcount())).toList();
    }
}
