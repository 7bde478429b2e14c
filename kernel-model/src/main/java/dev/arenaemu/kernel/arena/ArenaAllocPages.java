package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.Kernel;
import dev.arenaemu.kernel.inject.InjectionSite;
import dev.arenaemu.kernel.mm.Frames;

/**
 * arena_alloc_pages() and arena_reserve_pages() (kernel/bpf/arena.c, docs/semantics.md#allocation,
 * #reserve): the two kfunc paths that take page offsets out of the arena's free set. Allocation
 * also populates the kernel range (E1–E3 all at once, E4+ in batches of {@link Arena#ALLOC_BATCH});
 * reservation does not. A failed allocation gives back what it took, through {@link ArenaFreePages}
 * for pages already installed in E4+.
 */
final class ArenaAllocPages {
    private final Arena arena;
    private final ArenaFreePages freePages;

    ArenaAllocPages(Arena arena, ArenaFreePages freePages) {
        this.arena = arena;
        this.freePages = freePages;
    }

    /**
     * arena_alloc_pages(): see {@link Arena#allocPages}; {@code sleepable} is false for
     * bpf_arena_alloc_pages_non_sleepable(), whose give-back goes through the deferred free.
     */
    long alloc(long addr, int pageCnt, int nodeId, long flags, boolean sleepable) {
        arena.checkLive();
        Kernel kernel = arena.kernel;
        RangeTree rt = arena.rt;
        long cnt = Integer.toUnsignedLong(pageCnt);
        if (flags != 0 || cnt == 0) return 0;
        if (arena.era.validatesNumaNode() && nodeId != Kernel.NUMA_NO_NODE
            && (Integer.compareUnsigned(nodeId, kernel.nodeCount()) >= 0 || !kernel.nodeOnline(nodeId))) {
            return 0;
        }
        long pageCntMax = (arena.userVmEnd() - arena.userVmStart()) >>> Arena.PAGE_SHIFT;
        if (cnt > pageCntMax) return 0;
        long pgoff = 0;
        if (addr != 0) {
            if ((addr & (Arena.PAGE_SIZE - 1)) != 0) return 0;
            pgoff = arena.computePgoff(addr);
            if (pgoff > pageCntMax - cnt) return 0;
        }
        // kvcalloc (E1–E3) / kmalloc_nolock (E4+) of the page-pointer array, before the lock.
        if (arena.injection.shouldFail(InjectionSite.PAGE_ARRAY_ALLOC)) return 0;
        if (addr != 0) {
            if (rt.isSet(pgoff, cnt) != 0) return 0;
            if (rt.clear(pgoff, cnt) != 0) return 0;
        } else {
            pgoff = rt.find(cnt);
            if (pgoff < 0) return 0;
            if (rt.clear(pgoff, cnt) != 0) return 0;
        }
        long uaddr32 = Arena.lo32(arena.userVmStart() + pgoff * Arena.PAGE_SIZE);
        long kaddr = arena.kernVmStart() + uaddr32;
        boolean ok = arena.era.allocatesInBatches() ? populateBatched(kaddr, pgoff, cnt, uaddr32, sleepable) : populateAll(kaddr, pgoff, cnt);
        return ok ? Arena.clearLo32(arena.userVmStart()) + uaddr32 : 0;
    }

    /**
     * E1–E3: bpf_map_alloc_pages() for all pages (all or nothing), then vm_area_map_pages().
     * On a PTE failure the PTEs already written are removed before the pages are freed (the
     * E4 behaviour; the E3 code leaves them, see docs/semantics.md#allocation — not modelled).
     */
    private boolean populateAll(long kaddr, long pgoff, long cnt) {
        Frames frames = arena.frames;
        int n = Math.toIntExact(cnt);
        long[] pages = new long[n];
        for (int i = 0; i < n; i++) {
            pages[i] = frames.allocPage("bpf_arena_alloc_pages");
            if (pages[i] == Frames.NO_PAGE) {
                for (int j = 0; j < i; j++) frames.putPage(pages[j]);
                arena.rt.set(pgoff, cnt);
                return false;
            }
        }
        int mapped = arena.kernVm.mapPages(kaddr, pages, n);
        if (mapped < n) {
            arena.kernVm.unmapPages(kaddr, mapped);
            for (long p : pages) frames.putPage(p);
            arena.rt.set(pgoff, cnt);
            return false;
        }
        arena.pagesInstalled(n);
        return true;
    }

    /**
     * E4+: batches of {@link Arena#ALLOC_BATCH} pages, each allocated all or nothing and then
     * mapped PTE by PTE (replacing a parked scratch page, E5). On failure the pages mapped so far
     * go through the free path and the rest of the range returns to the free set.
     */
    private boolean populateBatched(long kaddr, long pgoff, long cnt, long uaddr32, boolean sleepable) {
        Frames frames = arena.frames;
        long scratchPage = arena.scratchPage;
        long mapped = 0;
        long remaining = cnt;
        long[] pages = new long[(int) Math.min(cnt, Arena.ALLOC_BATCH)];
        while (remaining > 0) {
            int batch = (int) Math.min(remaining, Arena.ALLOC_BATCH);
            long batchStart = kaddr + (mapped << Arena.PAGE_SHIFT);
            boolean allocated = true;
            for (int i = 0; i < batch; i++) {
                long va = batchStart + ((long) i << Arena.PAGE_SHIFT);
                pages[i] = frames.allocPage("bpf_arena_alloc_pages");
                if (pages[i] == Frames.NO_PAGE) {
                    for (int j = 0; j < i; j++) frames.putPage(pages[j]);
                    allocated = false;
                    break;
                }
            }
            if (!allocated) break;
            int written = installBatch(batchStart, pages, batch);
            mapped += written;
            arena.pagesInstalled(written);
            if (written < batch) {
                for (int i = written; i < batch; i++) frames.putPage(pages[i]);
                break;
            }
            remaining -= batch;
        }
        if (mapped == cnt) return true;
        arena.rt.set(pgoff + mapped, cnt - mapped);
        if (mapped > 0) freePages.free(uaddr32, mapped, sleepable);
        return false;
    }

    /** apply_range_set_cb over a batch: break-before-make over a scratch PTE, then install. */
    private int installBatch(long va, long[] pages, int count) {
        long scratchPage = arena.scratchPage;
        for (int i = 0; i < count; i++) {
            long page = va + ((long) i << Arena.PAGE_SHIFT);
            if (scratchPage != Frames.NO_PAGE && arena.kernVm.pageAt(page) == scratchPage) {
                arena.kernVm.clearPte(page);
                arena.kernVm.flushTlb(page, 1);
            }
            if (arena.kernVm.mapPages(page, new long[] {pages[i]}, 1) != 1) return i;
        }
        return count;
    }

    /** arena_reserve_pages(): see {@link Arena#reservePages}. */
    int reserve(long ptr, int pageCnt) {
        arena.checkLive();
        long cnt = Integer.toUnsignedLong(pageCnt);
        if (cnt == 0) return 0;
        if ((ptr & (Arena.PAGE_SIZE - 1)) != 0) return 0;
        long pageCntMax = (arena.userVmEnd() - arena.userVmStart()) >>> Arena.PAGE_SHIFT;
        long pgoff = arena.computePgoff(ptr);
        if (pgoff + cnt > pageCntMax) return Errno.EINVAL.neg();
        if (arena.rt.isSet(pgoff, cnt) != 0) return Errno.EBUSY.neg();
        return arena.rt.clear(pgoff, cnt);
    }
}
