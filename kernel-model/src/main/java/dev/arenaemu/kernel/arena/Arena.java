package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.Capability;
import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.Kernel;
import dev.arenaemu.kernel.KernelBug;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.KernelEvent;
import dev.arenaemu.kernel.inject.FaultInjection;
import dev.arenaemu.kernel.inject.InjectionSite;
import dev.arenaemu.kernel.mm.Frames;
import dev.arenaemu.kernel.mm.KernelVmArea;
import dev.arenaemu.kernel.mm.MappableFile;
import dev.arenaemu.kernel.mm.VmArea;
import dev.arenaemu.kernel.mm.VmFaultResult;
import dev.arenaemu.kernel.mm.VmFlag;
import dev.arenaemu.kernel.mm.VmOperations;

import java.util.ArrayList;
import java.util.List;

/**
 * kernel/bpf/arena.c: BPF_MAP_TYPE_ARENA, a sparse region shared by BPF programs (through a
 * reserved kernel range) and user processes (through mmap of the map fd).
 *
 * <p>Kernel side: {@link #KERN_VM_SZ} bytes of vmalloc space; BPF accesses
 * {@code kern_vm_start + lo32(ptr)}. Pages are populated by the kfuncs ({@link #allocPages}) or by
 * user faults ({@link ArenaVmOps#fault}) and live until freed ({@link #freePages}) or until the
 * map goes ({@link #free}). The free set of page offsets is a {@link RangeTree}. User side: every
 * mapping is registered in the vma_list so frees can zap user PTEs.
 *
 * <p>Every behaviour that differs between kernel versions asks {@link KernelEra}. Bad arguments
 * get what the kernel returns (0/NULL, -errno); only impossible internal states throw
 * {@link KernelBug}. Single-threaded: the arena lock is implicit.
 */
public final class Arena implements MappableFile {
    public static final long PAGE_SIZE = Frames.PAGE_SIZE;
    public static final int PAGE_SHIFT = Frames.PAGE_SHIFT;
    public static final long SZ_4G = 1L << 32;
    /** round_up(1 << 16, 2 * PAGE_SIZE): bytes reachable by a signed 16-bit insn offset. */
    public static final long GUARD_SZ = 1L << 16;
    public static final long KERN_VM_SZ = SZ_4G + GUARD_SZ;
    /** kmalloc_nolock batch of page pointers in E4+ (KMALLOC_MAX_CACHE_SIZE / sizeof(void *)). */
    public static final int ALLOC_BATCH = 1024;

    private final Kernel kernel;
    private final KernelEra era;
    private final Frames frames;
    private final FaultInjection injection;
    private final ArenaAttr attr;
    private final KernelVmArea kernVm;
    private final long kernVmStart;
    private final RangeTree rt;
    /** Newest first, as list_add puts entries at the head. */
    private final List<VmaListEntry> vmaList = new ArrayList<>();
    private final BpfMapMmap mmapState = new BpfMapMmap();
    private final ArenaVmOps vmOps = new ArenaVmOps();
    private final long scratchPage;
    private long userVmStart;
    private long userVmEnd;
    private long nrPages;
    private boolean freed;
    /** E4+ free_spans: deferred frees, newest first (llist_add pushes at the head). */
    private final List<FreeSpan> freeSpans = new ArrayList<>();
    private boolean freeWorkQueued;

    /** struct arena_free_span. */
    private record FreeSpan(long uaddr, long pageCnt) {}

    private Arena(Kernel kernel, ArenaAttr attr, KernelVmArea kernVm, RangeTree rt, long scratchPage) {
        this.kernel = kernel;
        this.era = kernel.era();
        this.frames = kernel.frames();
        this.injection = kernel.faultInjection();
        this.attr = attr;
        this.kernVm = kernVm;
        this.kernVmStart = kernVm.addr() + GUARD_SZ / 2;
        this.rt = rt;
        this.scratchPage = scratchPage;
        this.userVmStart = attr.mapExtra();
        this.userVmEnd = attr.mapExtra() != 0 ? attr.mapExtra() + pagesOf(attr) * PAGE_SIZE : 0;
    }

    // ---- creation (§3) -------------------------------------------------------------------

    /**
     * BPF_MAP_CREATE for an arena: map_create()'s CAP_BPF check, then arena_map_alloc()'s checks
     * and allocations in the kernel's order, each failure undoing the earlier steps.
     */
    public static ArenaCreateResult create(Kernel kernel, ArenaAttr attr) {
        if (!kernel.capable(Capability.CAP_BPF)) return new ArenaCreateResult.Failed(Errno.EPERM);
        // bpf_jit_supports_arena() is true for the x86-64 JIT this project models.
        int allowed = ArenaAttr.BPF_F_SEGV_ON_FAULT | ArenaAttr.BPF_F_MMAPABLE | ArenaAttr.BPF_F_NO_USER_CONV;
        long maxEntries = attr.maxEntries() & 0xFFFF_FFFFL;
        if (attr.keySize() != 0 || attr.valueSize() != 0 || maxEntries == 0
            || !attr.has(ArenaAttr.BPF_F_MMAPABLE) || (attr.mapFlags() & ~allowed) != 0) {
            return new ArenaCreateResult.Failed(Errno.EINVAL);
        }
        long extra = attr.mapExtra();
        if ((extra & (PAGE_SIZE - 1)) != 0) return new ArenaCreateResult.Failed(Errno.EINVAL);
        long vmRange = maxEntries * PAGE_SIZE;
        if (vmRange > SZ_4G) return new ArenaCreateResult.Failed(Errno.E2BIG);
        if ((extra >>> 32) != ((extra + vmRange - 1) >>> 32)) return new ArenaCreateResult.Failed(Errno.ERANGE);

        KernelVmArea kernVm = kernel.addressSpace().reserve("bpf arena", KERN_VM_SZ);
        if (kernVm == null) return new ArenaCreateResult.Failed(Errno.ENOMEM);
        if (kernel.faultInjection().shouldFail(InjectionSite.ARENA_STRUCT)) {
            kernel.addressSpace().release(kernVm);
            return new ArenaCreateResult.Failed(Errno.ENOMEM);
        }
        long scratch = Frames.NO_PAGE;
        if (kernel.era().usesScratchPage()) {
            scratch = kernel.faultInjection().shouldFail(InjectionSite.SCRATCH_PAGE)
                ? Frames.NO_PAGE : kernel.allocKernelPage("arena_map_alloc scratch page");
            if (scratch == Frames.NO_PAGE) {
                kernel.addressSpace().release(kernVm);
                return new ArenaCreateResult.Failed(Errno.ENOMEM);
            }
        }
        RangeTree rt = new RangeTree(kernel.faultInjection());
        int err = rt.set(0, maxEntries);
        if (err == 0 && kernel.era().prepopulatedBytes() > 0) {
            err = kernVm.populatePageTables(kernVm.addr() + GUARD_SZ / 2, kernel.era().prepopulatedBytes());
            if (err != 0) rt.destroy();
        }
        if (err != 0) {
            if (scratch != Frames.NO_PAGE) kernel.frames().putPage(scratch);
            kernel.addressSpace().release(kernVm);
            return new ArenaCreateResult.Failed(Errno.of(err));
        }
        return new ArenaCreateResult.Created(new Arena(kernel, attr, kernVm, rt, scratch));
    }

    // ---- generic map operations (§3.1) -----------------------------------------------------

    /** map_lookup_elem: ERR_PTR(-EINVAL). */
    public int lookupElem() { return Errno.EINVAL.neg(); }
    public int updateElem() { return Errno.EOPNOTSUPP.neg(); }
    public int deleteElem() { return Errno.EOPNOTSUPP.neg(); }
    public int getNextKey() { return Errno.EOPNOTSUPP.neg(); }
    public int pushElem() { return Errno.EOPNOTSUPP.neg(); }
    public int popElem() { return Errno.EOPNOTSUPP.neg(); }
    public int peekElem() { return Errno.EOPNOTSUPP.neg(); }

    /**
     * arena_map_direct_value_addr(): user_vm_start (the verifier adds {@code off} itself), or
     * -ERANGE when {@code off} (a u32) lies past the arena: {@code off > size} in E1–E4,
     * {@code off >= size} in E5.
     */
    public long mapDirectValueAddr(int off) {
        long o = Integer.toUnsignedLong(off);
        long size = userVmEnd - userVmStart;
        boolean out = era.directValueRejectsEnd() ? o >= size : o > size;
        return out ? Errno.ERANGE.neg() : userVmStart;
    }

    /** BPF_MAP_FREEZE: 0, or -EBUSY (already frozen, or a writable mapping was ever made). */
    public int freeze() {
        return mmapState.freeze();
    }

    // ---- mmap (§4) -----------------------------------------------------------------------

    /** arena_get_unmapped_area() (§4.1): asks the process allocator for twice the length. */
    @Override
    public long getUnmappedArea(long addr, long length, long pgoff, long mapFlags, UnmappedAreaAllocator generic) {
        checkLive();
        if (pgoff != 0) return Errno.EINVAL.neg();
        if (Long.compareUnsigned(length, SZ_4G) > 0) return Errno.E2BIG.neg();
        if (userVmStart != 0) {
            long size = userVmEnd - userVmStart;
            if (Long.compareUnsigned(length, size) > 0) return Errno.E2BIG.neg();
            if (length != size) return Errno.EINVAL.neg();
            if (addr != userVmStart) return Errno.EINVAL.neg();
        }
        long ret = generic.find(addr, length * 2, mapFlags);
        if (Errno.isErrValue(ret)) return ret;
        if ((ret >>> 32) == ((ret + length - 1) >>> 32)) return ret;
        if (userVmStart != 0) {
            kernel.report(new KernelEvent.Warning("arena_get_unmapped_area", "user_vm_start set but range crosses 4 GiB"));
            return Errno.EFAULT.neg();
        }
        return (ret + SZ_4G - 1) & -SZ_4G;
    }

    /**
     * bpf_map_mmap() then arena_map_mmap() (§4.2, §4.3): on success the VMA is registered in the
     * vma_list (its private data is the entry), user_vm_start/end are fixed for good, and the
     * VMA gets VM_DONTEXPAND (+ VM_DONTCOPY in E5) and {@link #vmOperations()}.
     */
    @Override
    public int mmap(VmArea vma) {
        checkLive();
        int err = mmapState.prepare(vma, attr.mapFlags());
        if (err != 0) return err;
        err = arenaMapMmap(vma);
        if (err != 0) mmapState.undo(vma);
        return err;
    }

    private int arenaMapMmap(VmArea vma) {
        if (userVmStart != 0 && userVmStart != vma.start()) return Errno.EBUSY.neg();
        if (userVmEnd != 0 && userVmEnd != vma.end()) return Errno.EBUSY.neg();
        if (vma.end() - vma.start() > SZ_4G) {
            kernel.report(new KernelEvent.Warning("arena_map_mmap", "vma larger than 4 GiB"));
            return Errno.EFAULT.neg();
        }
        if (injection.shouldFail(InjectionSite.VMA_LIST_ENTRY)) return Errno.ENOMEM.neg();
        VmaListEntry entry = new VmaListEntry(vma);
        vma.setPrivateData(entry);
        vmaList.addFirst(entry);
        userVmStart = vma.start();
        userVmEnd = vma.end();
        long add = VmFlag.DONTEXPAND.bit | (era.setsDontCopy() ? VmFlag.DONTCOPY.bit : 0);
        vma.setFlags(vma.flags() | add);
        return 0;
    }

    @Override
    public VmOperations vmOperations() {
        return vmOps;
    }

    /**
     * The bytes a user mapping of [start, end) shows: the kernel range's buffer from the offset of
     * {@code kern_vm_start + lo32(start)}, the same bytes BPF reaches (Unicorn 2.0.1 aliasing).
     */
    @Override
    public Backing backing(long start, long end) {
        long offset = GUARD_SZ / 2 + lo32(start);
        if (end < start || offset + (end - start) > kernVm.size()) {
            throw new IllegalArgumentException("arena mapping [0x" + Long.toHexString(start) + ", 0x" + Long.toHexString(end) + ") does not fit the arena's 4 GiB window");
        }
        return new Backing(kernVm.buffer(), offset);
    }

    /** arena_vm_ops. */
    private final class ArenaVmOps implements VmOperations {
        /** arena_vm_open (E2+): one more VMA shares the entry. */
        @Override
        public void open(VmArea vma) {
            entryOf(vma, "arena_vm_open").get();
        }

        /** arena_vm_close: the entry goes when its last VMA does. */
        @Override
        public void close(VmArea vma) {
            VmaListEntry entry = entryOf(vma, "arena_vm_close");
            if (!entry.put()) return;
            vmaList.remove(entry);
            vma.setPrivateData(null);
        }

        @Override
        public VmFaultResult fault(VmArea vma, long address, boolean write) {
            checkLive();
            long page = address & -PAGE_SIZE;
            // vmf->pgoff = linear_page_index(vma, address): non-zero vm_pgoff after a split
            long pgoff = ((page - vma.start()) >>> PAGE_SHIFT) + vma.pgoff();
            return era.faultPreallocatesPage() ? faultPreallocating(page, pgoff) : faultLocked(page, pgoff);
        }

        @Override
        public int maySplit(VmArea vma, long address) {
            return era.rejectsSplitAndMremap() ? Errno.EINVAL.neg() : 0;
        }

        @Override
        public int mremap(VmArea vma) {
            return era.rejectsSplitAndMremap() ? Errno.EINVAL.neg() : 0;
        }

        private VmaListEntry entryOf(VmArea vma, String where) {
            if (!(vma.privateData() instanceof VmaListEntry entry) || !vmaList.contains(entry)) {
                throw new KernelBug(where + ": vm_private_data of VMA at 0x" + Long.toHexString(vma.start()) + " is not a live vma_list entry of this arena");
            }
            return entry;
        }
    }

    // ---- user fault (§5) -------------------------------------------------------------------

    /** arena_vm_fault, E1–E3 (§5.1): everything under the mutex. */
    private VmFaultResult faultLocked(long address, long pgoff) {
        long kaddr = kernVmStart + lo32(address);
        long page = kernVm.pageAt(kaddr);
        if (page == Frames.NO_PAGE) {
            if (attr.has(ArenaAttr.BPF_F_SEGV_ON_FAULT)) return VmFaultResult.SIGSEGV;
            if (rt.clear(pgoff, 1) != 0) return VmFaultResult.SIGSEGV;
            page = frames.allocPage(kernVm.frameFor(kaddr), "arena_vm_fault");
            if (page == Frames.NO_PAGE) {
                rt.set(pgoff, 1);
                return era.faultAllocFailure();
            }
            if (kernVm.mapPage(kaddr, page) != 0) {
                rt.set(pgoff, 1);
                frames.putPage(page);
                return VmFaultResult.SIGSEGV;
            }
            nrPages++;
        }
        frames.getPage(page);
        return new VmFaultResult.Page(page);
    }

    /** arena_vm_fault, E5 (§5.3): the page is allocated before the lock and may be given back. */
    private VmFaultResult faultPreallocating(long address, long pgoff) {
        long kaddr = kernVmStart + lo32(address);
        long newPage = Frames.NO_PAGE;
        if (kernVm.pageAt(kaddr) == Frames.NO_PAGE) {
            newPage = frames.allocPage(kernVm.frameFor(kaddr), "arena_vm_fault");
            if (newPage == Frames.NO_PAGE) return era.faultAllocFailure();
        }
        long page = kernVm.pageAt(kaddr);
        VmFaultResult failure;
        if (page != Frames.NO_PAGE) {
            if (page == scratchPage) {
                failure = VmFaultResult.SIGSEGV;   // BPF parked the scratch page here
            } else {
                return mapIt(page, newPage);
            }
        } else if (newPage == Frames.NO_PAGE) {
            failure = VmFaultResult.RETRY;         // raced with a free (cannot happen single-threaded)
        } else if (attr.has(ArenaAttr.BPF_F_SEGV_ON_FAULT)) {
            failure = VmFaultResult.SIGSEGV;
        } else if (rt.clear(pgoff, 1) != 0) {
            failure = VmFaultResult.OOM;
        } else if (kernVm.mapPage(kaddr, newPage) != 0) {
            rt.set(pgoff, 1);
            failure = VmFaultResult.SIGSEGV;
        } else {
            nrPages++;
            return mapIt(newPage, Frames.NO_PAGE);
        }
        if (newPage != Frames.NO_PAGE) frames.putPage(newPage);
        return failure;
    }

    private VmFaultResult mapIt(long page, long unusedNewPage) {
        frames.getPage(page);
        if (unusedNewPage != Frames.NO_PAGE) frames.putPage(unusedNewPage);
        return new VmFaultResult.Page(page);
    }

    // ---- kfuncs (§6) ----------------------------------------------------------------------

    /**
     * bpf_arena_alloc_pages(): {@code pageCnt} (u32) zeroed pages at {@code addr} (any nonzero
     * value means "exactly there"; only its low 32 bits and alignment matter) or wherever the
     * free set fits them best; returns the full user address of the first page, or 0 (NULL).
     * All or nothing: every failure restores the free set and leaves no page or kernel PTE.
     * No user PTE is created; users see the pages on their next fault.
     */
    public long allocPages(long addr, int pageCnt, int nodeId, long flags) {
        return arenaAllocPages(addr, pageCnt, nodeId, flags, true);
    }

    /**
     * bpf_arena_alloc_pages_non_sleepable() (E4+, chosen by the verifier for call sites in
     * non-sleepable context): the same, except that the pages a failed call must give back go
     * through the deferred free path.
     */
    public long allocPagesNonSleepable(long addr, int pageCnt, int nodeId, long flags) {
        requireNonSleepableKfuncs("bpf_arena_alloc_pages_non_sleepable");
        return arenaAllocPages(addr, pageCnt, nodeId, flags, false);
    }

    private long arenaAllocPages(long addr, int pageCnt, int nodeId, long flags, boolean sleepable) {
        checkLive();
        long cnt = Integer.toUnsignedLong(pageCnt);
        if (flags != 0 || cnt == 0) return 0;
        if (era.validatesNumaNode() && nodeId != Kernel.NUMA_NO_NODE
            && (Integer.compareUnsigned(nodeId, kernel.nodeCount()) >= 0 || !kernel.nodeOnline(nodeId))) {
            return 0;
        }
        long pageCntMax = (userVmEnd - userVmStart) >>> PAGE_SHIFT;
        if (cnt > pageCntMax) return 0;
        long pgoff = 0;
        if (addr != 0) {
            if ((addr & (PAGE_SIZE - 1)) != 0) return 0;
            pgoff = computePgoff(addr);
            if (pgoff > pageCntMax - cnt) return 0;
        }
        // kvcalloc (E1–E3) / kmalloc_nolock (E4+) of the page-pointer array, before the lock.
        if (injection.shouldFail(InjectionSite.PAGE_ARRAY_ALLOC)) return 0;
        if (addr != 0) {
            if (rt.isSet(pgoff, cnt) != 0) return 0;
            if (rt.clear(pgoff, cnt) != 0) return 0;
        } else {
            pgoff = rt.find(cnt);
            if (pgoff < 0) return 0;
            if (rt.clear(pgoff, cnt) != 0) return 0;
        }
        long uaddr32 = lo32(userVmStart + pgoff * PAGE_SIZE);
        long kaddr = kernVmStart + uaddr32;
        boolean ok = era.allocatesInBatches() ? populateBatched(kaddr, pgoff, cnt, uaddr32, sleepable) : populateAll(kaddr, pgoff, cnt);
        return ok ? clearLo32(userVmStart) + uaddr32 : 0;
    }

    /**
     * E1–E3: bpf_map_alloc_pages() for all pages (all or nothing), then vm_area_map_pages().
     * On a PTE failure the PTEs already written are removed before the pages are freed (the
     * E4 behaviour; the E3 code leaves them, see arena-semantics.md §6.1 — not modelled).
     */
    private boolean populateAll(long kaddr, long pgoff, long cnt) {
        int n = Math.toIntExact(cnt);
        long[] pages = new long[n];
        for (int i = 0; i < n; i++) {
            pages[i] = frames.allocPage(kernVm.frameFor(kaddr + ((long) i << PAGE_SHIFT)), "bpf_arena_alloc_pages");
            if (pages[i] == Frames.NO_PAGE) {
                for (int j = 0; j < i; j++) frames.putPage(pages[j]);
                rt.set(pgoff, cnt);
                return false;
            }
        }
        int mapped = kernVm.mapPages(kaddr, pages, n);
        if (mapped < n) {
            kernVm.unmapPages(kaddr, mapped);
            for (long p : pages) frames.putPage(p);
            rt.set(pgoff, cnt);
            return false;
        }
        nrPages += n;
        return true;
    }

    /**
     * E4+: batches of {@link #ALLOC_BATCH} pages, each allocated all or nothing and then mapped
     * PTE by PTE (replacing a parked scratch page, E5). On failure the pages mapped so far go
     * through the free path and the rest of the range returns to the free set.
     */
    private boolean populateBatched(long kaddr, long pgoff, long cnt, long uaddr32, boolean sleepable) {
        long mapped = 0;
        long remaining = cnt;
        long[] pages = new long[(int) Math.min(cnt, ALLOC_BATCH)];
        while (remaining > 0) {
            int batch = (int) Math.min(remaining, ALLOC_BATCH);
            long batchStart = kaddr + (mapped << PAGE_SHIFT);
            boolean allocated = true;
            for (int i = 0; i < batch; i++) {
                long va = batchStart + ((long) i << PAGE_SHIFT);
                if (kernVm.pageAt(va) == scratchPage && scratchPage != Frames.NO_PAGE) frames.scrub(kernVm.frameFor(va));
                pages[i] = frames.allocPage(kernVm.frameFor(va), "bpf_arena_alloc_pages");
                if (pages[i] == Frames.NO_PAGE) {
                    for (int j = 0; j < i; j++) frames.putPage(pages[j]);
                    allocated = false;
                    break;
                }
            }
            if (!allocated) break;
            int written = installBatch(batchStart, pages, batch);
            mapped += written;
            nrPages += written;
            if (written < batch) {
                for (int i = written; i < batch; i++) frames.putPage(pages[i]);
                break;
            }
            remaining -= batch;
        }
        if (mapped == cnt) return true;
        rt.set(pgoff + mapped, cnt - mapped);
        if (mapped > 0) arenaFreePages(uaddr32, mapped, sleepable);
        return false;
    }

    /** apply_range_set_cb over a batch: break-before-make over a scratch PTE, then install. */
    private int installBatch(long va, long[] pages, int count) {
        for (int i = 0; i < count; i++) {
            long page = va + ((long) i << PAGE_SHIFT);
            if (scratchPage != Frames.NO_PAGE && kernVm.pageAt(page) == scratchPage) {
                kernVm.clearPte(page);
                kernVm.flushTlb(page, 1);
            }
            if (kernVm.mapPages(page, new long[] {pages[i]}, 1) != 1) return i;
        }
        return count;
    }

    /** bpf_arena_free_pages(): see {@link #arenaFreePages}; NULL or a zero count does nothing. */
    public void freePages(long ptr, int pageCnt) {
        checkLive();
        long cnt = Integer.toUnsignedLong(pageCnt);
        if (cnt == 0 || ptr == 0) return;
        arenaFreePages(ptr, cnt, true);
    }

    /**
     * bpf_arena_free_pages_non_sleepable() (E4+): the range is only queued (an arena_free_span,
     * {@link InjectionSite#DEFERRED_FREE_SPAN}; if that allocation fails the pages stay mapped and
     * reserved until the arena dies, as in the kernel) and the worker is scheduled on the kernel's
     * workqueue. Until {@link Kernel#runPendingWork()} runs it, the pages stay mapped (BPF still
     * reads the old values) and the range stays reserved.
     */
    public void freePagesNonSleepable(long ptr, int pageCnt) {
        checkLive();
        requireNonSleepableKfuncs("bpf_arena_free_pages_non_sleepable");
        long cnt = Integer.toUnsignedLong(pageCnt);
        if (cnt == 0 || ptr == 0) return;
        arenaFreePages(ptr, cnt, false);
    }

    /** Deferred frees queued and not yet done by the worker. */
    public int pendingFreeSpans() {
        return freeSpans.size();
    }

    /**
     * arena_free_pages() (§6.2), synchronous: rounds down, clips at the arena's end, returns the
     * whole range to the free set (reserved and never-populated pages included), zaps user PTEs
     * (all registered VMAs over the range when more than one page; for one page only if it looks
     * user-mapped), removes the kernel PTEs with a kernel TLB flush and drops the arena's page
     * references.
     */
    private void arenaFreePages(long ptr, long cnt, boolean sleepable) {
        long uaddr = lo32(ptr) & ~(PAGE_SIZE - 1);
        long full = clearLo32(userVmStart) + uaddr;
        if (era.freeGuardsBelowStart() && Long.compareUnsigned(full, userVmStart) < 0) return;
        long end = minUnsigned(userVmEnd, full + (cnt << PAGE_SHIFT));
        if (Long.compareUnsigned(full, end) >= 0) return;
        long pageCnt = (end - full) >>> PAGE_SHIFT;
        long pgoff = computePgoff(uaddr);
        long kaddr = kernVmStart + uaddr;
        if (!sleepable) {
            deferFree(uaddr, pageCnt);
            return;
        }
        rt.set(pgoff, pageCnt);
        if (era.freeClearsPtesBeforeZap()) freeCollectThenZap(kaddr, full, pageCnt);
        else freeZapThenUnmap(kaddr, full, pageCnt);
    }

    /**
     * E1–E3 order: bulk zap first, then page by page (single-page zap, unmap, free). The kernel
     * flushes the kernel TLB after each page's unmap (vm_area_unmap_pages); here the flushes are
     * gathered into one range flush after the loop. No guest instruction runs inside this kfunc
     * call, so no CPU can use a stale entry in between, and one flush costs one run per CPU instead
     * of one per page and CPU (emulator/README.md, "TLB flush cost").
     */
    private void freeZapThenUnmap(long kaddr, long full, long pageCnt) {
        if (pageCnt > 1) zapPages(full, pageCnt);
        boolean unmapped = false;
        for (long i = 0; i < pageCnt; i++) {
            long va = kaddr + (i << PAGE_SHIFT);
            long page = kernVm.pageAt(va);
            if (page == Frames.NO_PAGE) continue;
            if (pageCnt == 1 && frames.mapcount(page) > 0) zapPages(full + (i << PAGE_SHIFT), 1);
            kernVm.clearPte(va);
            unmapped = true;
            nrPages--;
            frames.putPage(page);
        }
        if (unmapped) kernVm.flushTlb(kaddr, pageCnt);
    }

    /** E4+ order: clear every kernel PTE and collect the pages, flush once, zap, then free. */
    private void freeCollectThenZap(long kaddr, long full, long pageCnt) {
        List<Long> collected = new ArrayList<>();
        clearAndCollect(kaddr, pageCnt, collected);
        kernVm.flushTlb(kaddr, pageCnt);
        if (pageCnt > 1) zapPages(full, pageCnt);
        for (long page : collected) {
            boolean maybeMapped = era.singlePageZapByRefcount() ? frames.refcount(page) > 1 : frames.mapcount(page) > 0;
            if (pageCnt == 1 && maybeMapped) zapPages(full, 1);
            frames.putPage(page);
        }
    }

    /** apply_range_clear_cb over a range: clears each present PTE, collects its page (never the scratch page). */
    private void clearAndCollect(long kaddr, long pageCnt, List<Long> collected) {
        for (long i = 0; i < pageCnt; i++) {
            long va = kaddr + (i << PAGE_SHIFT);
            long page = kernVm.clearPte(va);
            if (page == Frames.NO_PAGE) continue;
            if (page == scratchPage) {
                frames.scrub(kernVm.frameFor(va));   // bytes BPF wrote while the scratch page was parked
                continue;
            }
            collected.add(page);
            nrPages--;
        }
    }

    /** The defer: label of arena_free_pages: queue a span and raise the irq_work (→ schedule_work). */
    private void deferFree(long uaddr, long pageCnt) {
        if (injection.shouldFail(InjectionSite.DEFERRED_FREE_SPAN)) return;   // leaked until arena_map_free
        freeSpans.addFirst(new FreeSpan(uaddr, pageCnt));
        if (!freeWorkQueued) {
            freeWorkQueued = true;
            kernel.scheduleWork(this::freeWorker);
        }
    }

    /**
     * arena_free_worker(): for every queued span (newest first) clear its kernel PTEs, collect
     * the pages and return the range to the free set; then per span flush the kernel TLB and zap
     * every VMA (no single-page shortcut); then free the pages.
     */
    private void freeWorker() {
        freeWorkQueued = false;
        if (freed) return;
        List<FreeSpan> spans = List.copyOf(freeSpans);
        freeSpans.clear();
        List<Long> collected = new ArrayList<>();
        for (FreeSpan span : spans) {
            clearAndCollect(kernVmStart + span.uaddr(), span.pageCnt(), collected);
            rt.set(computePgoff(span.uaddr()), span.pageCnt());
        }
        for (FreeSpan span : spans) {
            kernVm.flushTlb(kernVmStart + span.uaddr(), span.pageCnt());
            zapPages(clearLo32(userVmStart) + span.uaddr(), span.pageCnt());
        }
        for (long page : collected) frames.putPage(page);
    }

    private void requireNonSleepableKfuncs(String kfunc) {
        if (!era.hasNonSleepableKfuncs()) {
            throw new KernelBug(kfunc + " does not exist in " + era + ": arena kfuncs are KF_SLEEPABLE and the verifier rejects them in non-sleepable programs");
        }
    }

    /**
     * zap_pages(): removes the user PTEs of [uaddr, uaddr + cnt pages) from the VMA recorded in
     * every vma_list entry, clipped to that VMA. E5 first checks the VMA still exists; E1–E4 use
     * the recorded pointer blindly, which is reported as {@link KernelEvent.DanglingVma} and
     * skipped when it does not.
     */
    private void zapPages(long uaddr, long cnt) {
        long end = uaddr + (cnt << PAGE_SHIFT);
        for (VmaListEntry entry : List.copyOf(vmaList)) {
            VmArea vma = entry.vma();
            if (!vma.alive()) {
                if (!era.zapRefindsVma()) kernel.report(new KernelEvent.DanglingVma(vma.start(), "zap_pages"));
                continue;
            }
            long from = Math.max(uaddr, vma.start());
            long to = Math.min(end, vma.end());
            if (from < to) vma.zapRange(from, to - from);
        }
    }

    /**
     * bpf_arena_reserve_pages() (§6.3): marks [ptr, ptr + cnt pages) used without populating it.
     * 0; -EINVAL past the mapping; -EBUSY if any page is allocated, reserved or faulted in;
     * -ENOMEM if the free set could not split a run. An unaligned pointer "succeeds" and
     * reserves nothing (kernel quirk).
     */
    public int reservePages(long ptr, int pageCnt) {
        checkLive();
        long cnt = Integer.toUnsignedLong(pageCnt);
        if (cnt == 0) return 0;
        if ((ptr & (PAGE_SIZE - 1)) != 0) return 0;
        long pageCntMax = (userVmEnd - userVmStart) >>> PAGE_SHIFT;
        long pgoff = computePgoff(ptr);
        if (pgoff + cnt > pageCntMax) return Errno.EINVAL.neg();
        if (rt.isSet(pgoff, cnt) != 0) return Errno.EBUSY.neg();
        return rt.clear(pgoff, cnt);
    }

    // ---- kernel-side faults (§6.5, E5) -------------------------------------------------------

    /**
     * bpf_arena_handle_page_fault() (E5): a kernel (non-JIT) access faulted at {@code addr} while
     * a program using this arena was running. Inside [kern_vm_start, +4 GiB + GUARD_SZ/2) the
     * scratch page is parked at the page if its PTE is empty and true is returned (retry the
     * access; the caller reports the violation to the program's stderr). False otherwise and in
     * eras without a scratch page.
     */
    public boolean handleKernelFault(long addr) {
        checkLive();
        if (!era.usesScratchPage()) return false;
        long pageAddr = addr & -PAGE_SIZE;
        if (Long.compareUnsigned(pageAddr, kernVmStart) < 0 || Long.compareUnsigned(pageAddr, kernVmStart + SZ_4G + GUARD_SZ / 2) >= 0) return false;
        if (kernVm.pageAt(pageAddr) == Frames.NO_PAGE) kernVm.mapAlias(pageAddr, scratchPage);
        return true;
    }

    // ---- teardown (§7) ---------------------------------------------------------------------

    /**
     * arena_map_free(): with user mappings still registered it warns and leaks everything (as the
     * kernel does); otherwise frees every populated page once (not the scratch page), releases
     * the kernel range and the free set. The arena is unusable afterwards.
     */
    public void free() {
        checkLive();
        if (!vmaList.isEmpty()) {
            kernel.report(new KernelEvent.Warning("arena_map_free", "vma_list not empty"));
            return;
        }
        if (freeWorkQueued) freeWorker();   // irq_work_sync + flush_work
        long walkEnd = kernVmStart + SZ_4G + (era.usesScratchPage() ? GUARD_SZ / 2 : 0);
        List<Long> present = new ArrayList<>();
        kernVm.forEachPresent(kernVmStart, walkEnd, present::add);
        for (long va : present) {
            long page = kernVm.pageAt(va);
            if (page == scratchPage) {
                frames.scrub(kernVm.frameFor(va));
                continue;
            }
            frames.putPage(page);
        }
        kernel.addressSpace().release(kernVm);
        rt.destroy();
        if (scratchPage != Frames.NO_PAGE) frames.putPage(scratchPage);
        nrPages = 0;
        freed = true;
    }

    // ---- state --------------------------------------------------------------------------------

    public Kernel kernel() { return kernel; }
    public ArenaAttr attr() { return attr; }
    public long maxEntries() { return attr.maxEntries() & 0xFFFF_FFFFL; }
    public int mapFlags() { return attr.mapFlags(); }
    /** The value JIT'd code keeps in r12: kern_vm->addr + GUARD_SZ / 2. */
    public long kernVmStart() { return kernVmStart; }
    public long userVmStart() { return userVmStart; }
    public long userVmEnd() { return userVmEnd; }
    public KernelVmArea kernVm() { return kernVm; }
    public boolean isFreed() { return freed; }
    /** The scratch page's frame (E5), or {@link Frames#NO_PAGE}. */
    public long scratchPage() { return scratchPage; }

    /** map_mem_usage: E5 counts installed pages (not the scratch page); earlier eras report 0. */
    public long memUsage() {
        return era.reportsMemUsage() ? nrPages << PAGE_SHIFT : 0;
    }

    /** Pages installed in the kernel range now (E5's nr_pages; tracked in every era). */
    public long populatedPages() {
        return nrPages;
    }

    /** K(x): the kernel address BPF uses for arena address {@code uaddr}. */
    public long kernelAddress(long uaddr) {
        return kernVmStart + lo32(uaddr);
    }

    /** compute_pgoff(): (u32)(lo32(uaddr) - lo32(user_vm_start)) >> PAGE_SHIFT, wrapping. */
    public long computePgoff(long uaddr) {
        return lo32(uaddr - lo32(userVmStart)) >>> PAGE_SHIFT;
    }

    /** Whether pgoff is in the free set (neither allocated, reserved nor faulted in). */
    public boolean isFree(long pgoff) {
        return rt.contains(pgoff);
    }

    /** The free set's runs, by start. */
    public List<RangeTree.Run> freeRuns() {
        return rt.runs();
    }

    /** The vma_list, newest first. */
    public List<VmaListEntry> vmaList() {
        return List.copyOf(vmaList);
    }

    /** Everything the invariant checker compares (see {@link ArenaSnapshot}). */
    public ArenaSnapshot snapshot() {
        List<ArenaSnapshot.KernelPage> pages = new ArrayList<>();
        boolean scratchInUse = false;
        if (!freed) {
            List<Long> present = new ArrayList<>();
            kernVm.forEachPresent(kernVm.addr(), kernVm.addr() + kernVm.size(), present::add);
            for (long va : present) {
                long frame = kernVm.pageAt(va);
                boolean scratch = frame == scratchPage && scratchPage != Frames.NO_PAGE;
                scratchInUse |= scratch;
                pages.add(new ArenaSnapshot.KernelPage(va - kernVmStart, va, frame, frames.refcount(frame), frames.mapcount(frame), scratch));
            }
        }
        List<ArenaSnapshot.Vma> vmas = vmaList.stream()
            .map(e -> new ArenaSnapshot.Vma(e.vma().start(), e.vma().end(), e.vma().alive(), e.mmapCount())).toList();
        return new ArenaSnapshot(userVmStart, userVmEnd, kernVmStart, pages, rt.runs(), vmas, memUsage(), scratchInUse);
    }

    private void checkLive() {
        if (freed) throw new KernelBug("arena used after arena_map_free");
    }

    private static long pagesOf(ArenaAttr attr) {
        return attr.maxEntries() & 0xFFFF_FFFFL;
    }

    static long lo32(long x) {
        return x & 0xFFFF_FFFFL;
    }

    static long clearLo32(long x) {
        return x & ~0xFFFF_FFFFL;
    }

    private static long minUnsigned(long a, long b) {
        return Long.compareUnsigned(a, b) <= 0 ? a : b;
    }
}
