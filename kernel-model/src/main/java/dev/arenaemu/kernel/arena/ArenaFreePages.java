package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.KernelEvent;
import dev.arenaemu.kernel.inject.InjectionSite;
import dev.arenaemu.kernel.mm.Frames;
import dev.arenaemu.kernel.mm.VmArea;

import java.util.ArrayList;
import java.util.List;

/**
 * arena_free_pages(), its deferred half (free_spans + arena_free_worker(), E4+) and zap_pages()
 * (kernel/bpf/arena.c, docs/semantics.md#free): returning pages to the arena's free set, removing their kernel
 * PTEs (with a kernel TLB flush) and user PTEs, and dropping the arena's page references.
 */
final class ArenaFreePages {
    private final Arena arena;
    /** E4+ free_spans: deferred frees, newest first (llist_add pushes at the head). */
    private final List<FreeSpan> freeSpans = new ArrayList<>();
    private boolean freeWorkQueued;

    /** struct arena_free_span. */
    private record FreeSpan(long uaddr, long pageCnt) {}

    ArenaFreePages(Arena arena) {
        this.arena = arena;
    }

    /** Deferred frees queued and not yet done by the worker. */
    int pendingFreeSpans() {
        return freeSpans.size();
    }

    /** irq_work_sync + flush_work, as arena_map_free() does: run the worker now if it is queued. */
    void flushDeferred() {
        if (freeWorkQueued) freeWorker();
    }

    /**
     * arena_free_pages() (docs/semantics.md#free), synchronous: rounds down, clips at the arena's
     * end, returns the whole range to the free set (reserved and never-populated pages included),
     * zaps user PTEs (all registered VMAs over the range when more than one page; for one page only
     * if it looks user-mapped), removes the kernel PTEs with a kernel TLB flush and drops the
     * arena's page references. Not {@code sleepable}: the range is only queued for the worker.
     */
    void free(long ptr, long cnt, boolean sleepable) {
        long userVmStart = arena.userVmStart();
        long uaddr = Arena.lo32(ptr) & ~(Arena.PAGE_SIZE - 1);
        long full = Arena.clearLo32(userVmStart) + uaddr;
        if (arena.era.freeGuardsBelowStart() && Long.compareUnsigned(full, userVmStart) < 0) return;
        long end = minUnsigned(arena.userVmEnd(), full + (cnt << Arena.PAGE_SHIFT));
        if (Long.compareUnsigned(full, end) >= 0) return;
        long pageCnt = (end - full) >>> Arena.PAGE_SHIFT;
        long pgoff = arena.computePgoff(uaddr);
        long kaddr = arena.kernVmStart() + uaddr;
        if (!sleepable) {
            deferFree(uaddr, pageCnt);
            return;
        }
        arena.rt.set(pgoff, pageCnt);
        if (arena.era.freeClearsPtesBeforeZap()) freeCollectThenZap(kaddr, full, pageCnt);
        else freeZapThenUnmap(kaddr, full, pageCnt);
    }

    /**
     * E1–E3 order: bulk zap first, then page by page (single-page zap, unmap, free). The kernel
     * flushes the kernel TLB after each page's unmap (vm_area_unmap_pages); here the flushes are
     * gathered into one range flush after the loop. No guest instruction runs inside this kfunc
     * call, so no CPU can use a stale entry in between, and one flush costs one run per CPU instead
     * of one per page and CPU (emulator/docs/costs.md, "What a TLB flush costs").
     */
    private void freeZapThenUnmap(long kaddr, long full, long pageCnt) {
        Frames frames = arena.frames;
        if (pageCnt > 1) zapPages(full, pageCnt);
        boolean unmapped = false;
        for (long i = 0; i < pageCnt; i++) {
            long va = kaddr + (i << Arena.PAGE_SHIFT);
            long page = arena.kernVm.pageAt(va);
            if (page == Frames.NO_PAGE) continue;
            if (pageCnt == 1 && frames.mapcount(page) > 0) zapPages(full + (i << Arena.PAGE_SHIFT), 1);
            arena.kernVm.clearPte(va);
            unmapped = true;
            arena.pagesInstalled(-1);
            frames.putPage(page);
        }
        if (unmapped) arena.kernVm.flushTlb(kaddr, pageCnt);
    }

    /** E4+ order: clear every kernel PTE and collect the pages, flush once, zap, then free. */
    private void freeCollectThenZap(long kaddr, long full, long pageCnt) {
        Frames frames = arena.frames;
        List<Long> collected = new ArrayList<>();
        clearAndCollect(kaddr, pageCnt, collected);
        arena.kernVm.flushTlb(kaddr, pageCnt);
        if (pageCnt > 1) zapPages(full, pageCnt);
        for (long page : collected) {
            boolean maybeMapped = arena.era.singlePageZapByRefcount() ? frames.refcount(page) > 1 : frames.mapcount(page) > 0;
            if (pageCnt == 1 && maybeMapped) zapPages(full, 1);
            frames.putPage(page);
        }
    }

    /** apply_range_clear_cb over a range: clears each present PTE, collects its page (never the scratch page). */
    private void clearAndCollect(long kaddr, long pageCnt, List<Long> collected) {
        for (long i = 0; i < pageCnt; i++) {
            long va = kaddr + (i << Arena.PAGE_SHIFT);
            long page = arena.kernVm.clearPte(va);
            if (page == Frames.NO_PAGE) continue;
            if (page == arena.scratchPage) continue;   // parked by kernel-fault recovery: never freed here
            collected.add(page);
            arena.pagesInstalled(-1);
        }
    }

    /** The defer: label of arena_free_pages: queue a span and raise the irq_work (→ schedule_work). */
    private void deferFree(long uaddr, long pageCnt) {
        if (arena.injection.shouldFail(InjectionSite.DEFERRED_FREE_SPAN)) return;   // leaked until arena_map_free
        freeSpans.addFirst(new FreeSpan(uaddr, pageCnt));
        if (!freeWorkQueued) {
            freeWorkQueued = true;
            arena.kernel.scheduleWork(this::freeWorker);
        }
    }

    /**
     * arena_free_worker(): for every queued span (newest first) clear its kernel PTEs, collect
     * the pages and return the range to the free set; then per span flush the kernel TLB and zap
     * every VMA (no single-page shortcut); then free the pages.
     */
    private void freeWorker() {
        freeWorkQueued = false;
        if (arena.isFreed()) return;
        List<FreeSpan> spans = List.copyOf(freeSpans);
        freeSpans.clear();
        List<Long> collected = new ArrayList<>();
        for (FreeSpan span : spans) {
            clearAndCollect(arena.kernVmStart() + span.uaddr(), span.pageCnt(), collected);
            arena.rt.set(arena.computePgoff(span.uaddr()), span.pageCnt());
        }
        for (FreeSpan span : spans) {
            arena.kernVm.flushTlb(arena.kernVmStart() + span.uaddr(), span.pageCnt());
            zapPages(Arena.clearLo32(arena.userVmStart()) + span.uaddr(), span.pageCnt());
        }
        for (long page : collected) arena.frames.putPage(page);
    }

    /**
     * zap_pages(): removes the user PTEs of [uaddr, uaddr + cnt pages) from the VMA recorded in
     * every vma_list entry, clipped to that VMA. E5 first checks the VMA still exists; E1–E4 use
     * the recorded pointer blindly, which is reported as {@link KernelEvent.DanglingVma} and
     * skipped when it does not.
     */
    private void zapPages(long uaddr, long cnt) {
        long end = uaddr + (cnt << Arena.PAGE_SHIFT);
        for (VmaListEntry entry : List.copyOf(arena.vmaList)) {
            VmArea vma = entry.vma();
            if (!vma.alive()) {
                if (!arena.era.zapRefindsVma()) arena.kernel.report(new KernelEvent.DanglingVma(vma.start(), "zap_pages"));
                continue;
            }
            long from = Math.max(uaddr, vma.start());
            long to = Math.min(end, vma.end());
            if (from < to) vma.zapRange(from, to - from);
        }
    }

    private static long minUnsigned(long a, long b) {
        return Long.compareUnsigned(a, b) <= 0 ? a : b;
    }
}
