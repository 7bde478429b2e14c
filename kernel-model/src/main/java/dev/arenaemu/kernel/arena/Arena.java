package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.Capability;
import dev.arenaemu.kernel.CreateResult;
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
import dev.arenaemu.kernel.mm.VmFlag;
import dev.arenaemu.kernel.mm.VmOperations;

import java.util.ArrayList;
import java.util.List;

/**
 * kernel/bpf/arena.c: BPF_MAP_TYPE_ARENA, a sparse region shared by BPF programs (through a
 * reserved kernel range) and user processes (through mmap of the map fd).
 *
 * <p>Kernel side: {@link #KERN_VM_SZ} bytes of vmalloc space; BPF accesses
 * {@code kern_vm_start + lo32(ptr)}. Pages are populated by the kfuncs ({@link #allocPages}, done
 * by {@link ArenaAllocPages}) or by user faults ({@link ArenaVmOps#fault}) and live until freed
 * ({@link #freePages}, done by {@link ArenaFreePages}) or until the map goes ({@link #free}). Which
 * page offsets are taken is kept by the era's {@link ArenaPageAllocator}: a {@link MapleTree} of
 * allocated ranges in E1–E2, a {@link RangeTree} of free runs from E3 on. User side: every mapping is registered in the
 * vma_list so frees can zap user PTEs.
 *
 * <p>This class is struct bpf_arena and the map-level code of arena.c: arena_map_alloc,
 * arena_get_unmapped_area, arena_map_mmap, the generic map ops, arena_map_direct_value_addr,
 * bpf_arena_handle_page_fault and arena_map_free; the kfuncs' public entry points stay here and
 * hand the page work to the classes above.
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

    // struct bpf_arena; package-private where ArenaVmOps, ArenaAllocPages and ArenaFreePages
    // work on it (the arena lock is implicit: single-threaded).
    final Kernel kernel;
    final KernelEra era;
    final Frames frames;
    final FaultInjection injection;
    final ArenaAttr attr;
    final KernelVmArea kernVm;
    /** range_tree (E3+) or maple tree (E1–E2) of the page offsets; see {@link ArenaPageAllocator}. */
    final ArenaPageAllocator pages;
    /** Newest first, as list_add puts entries at the head. */
    final List<VmaListEntry> vmaList = new ArrayList<>();
    private final BpfMapMmap mmapState = new BpfMapMmap();
    private final ArenaVmOps vmOps = new ArenaVmOps(this);
    private final ArenaFreePages freePages = new ArenaFreePages(this);
    private final ArenaAllocPages allocPages = new ArenaAllocPages(this, freePages);
    /** The scratch page's frame (E5), or {@link Frames#NO_PAGE}. */
    final long scratchPage;
    private long userVmStart;
    private long userVmEnd;
    private long nrPages;
    private boolean freed;

    private Arena(Kernel kernel, ArenaAttr attr, KernelVmArea kernVm, ArenaPageAllocator pages, long scratchPage) {
        this.kernel = kernel;
        this.era = kernel.era();
        this.frames = kernel.frames();
        this.injection = kernel.faultInjection();
        this.attr = attr;
        this.kernVm = kernVm;
        this.pages = pages;
        this.scratchPage = scratchPage;
        this.userVmStart = attr.mapExtra();
        this.userVmEnd = attr.mapExtra() != 0 ? attr.mapExtra() + pagesOf(attr) * PAGE_SIZE : 0;
    }

    // ---- creation (docs/semantics.md#creation) --------------------------------------------------

    /**
     * BPF_MAP_CREATE for an arena: map_create()'s CAP_BPF check, then arena_map_alloc()'s checks
     * and allocations in the kernel's order, each failure undoing the earlier steps.
     */
    public static CreateResult<Arena> create(Kernel kernel, ArenaAttr attr) {
        if (!kernel.capable(Capability.CAP_BPF)) return new CreateResult.Failed<>(Errno.EPERM);
        // bpf_jit_supports_arena() is true for the x86-64 JIT this project models.
        int allowed = ArenaAttr.BPF_F_SEGV_ON_FAULT | ArenaAttr.BPF_F_MMAPABLE | ArenaAttr.BPF_F_NO_USER_CONV;
        long maxEntries = attr.maxEntries() & 0xFFFF_FFFFL;
        if (attr.keySize() != 0 || attr.valueSize() != 0 || maxEntries == 0
            || !attr.has(ArenaAttr.BPF_F_MMAPABLE) || (attr.mapFlags() & ~allowed) != 0) {
            return new CreateResult.Failed<>(Errno.EINVAL);
        }
        long extra = attr.mapExtra();
        if ((extra & (PAGE_SIZE - 1)) != 0) return new CreateResult.Failed<>(Errno.EINVAL);
        long vmRange = maxEntries * PAGE_SIZE;
        if (vmRange > SZ_4G) return new CreateResult.Failed<>(Errno.E2BIG);
        if ((extra >>> 32) != ((extra + vmRange - 1) >>> 32)) return new CreateResult.Failed<>(Errno.ERANGE);

        KernelVmArea kernVm = kernel.addressSpace().reserve("bpf arena", KERN_VM_SZ);
        if (kernVm == null) return new CreateResult.Failed<>(Errno.ENOMEM);
        if (kernel.faultInjection().shouldFail(InjectionSite.ARENA_STRUCT)) {
            kernel.addressSpace().release(kernVm);
            return new CreateResult.Failed<>(Errno.ENOMEM);
        }
        long scratch = Frames.NO_PAGE;
        if (kernel.era().usesScratchPage()) {
            scratch = kernel.faultInjection().shouldFail(InjectionSite.SCRATCH_PAGE)
                ? Frames.NO_PAGE : kernel.allocKernelPage("arena_map_alloc scratch page");
            if (scratch == Frames.NO_PAGE) {
                kernel.addressSpace().release(kernVm);
                return new CreateResult.Failed<>(Errno.ENOMEM);
            }
        }
        ArenaPageAllocator pages = ArenaPageAllocator.of(kernel.era(), kernel.faultInjection());
        int err = pages.init(maxEntries);
        if (err == 0 && kernel.era().prepopulatedBytes() > 0) {
            err = kernVm.populatePageTables(kernVm.addr() + GUARD_SZ / 2, kernel.era().prepopulatedBytes());
            if (err != 0) pages.destroy();
        }
        if (err != 0) {
            if (scratch != Frames.NO_PAGE) kernel.frames().putPage(scratch);
            kernel.addressSpace().release(kernVm);
            return new CreateResult.Failed<>(Errno.of(err));
        }
        return new CreateResult.Created<>(new Arena(kernel, attr, kernVm, pages, scratch));
    }

    // ---- generic map operations (docs/semantics.md#generic-map-operations) ----------------------

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

    // ---- mmap (docs/semantics.md#mmap) ----------------------------------------------------------

    /**
     * arena_get_unmapped_area() (docs/semantics.md#address-selection): asks the process allocator
     * for twice the length.
     */
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
     * bpf_map_mmap() then arena_map_mmap() (docs/semantics.md#generic-mmap-checks,
     * #registering-the-vma): on success the VMA is registered in the vma_list (its private data is
     * the entry), user_vm_start/end are fixed for good, and the VMA gets VM_DONTEXPAND (+
     * VM_DONTCOPY in E5) and {@link #vmOperations()}.
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

    // ---- kfuncs (docs/semantics.md#kfuncs): the page work is in ArenaAllocPages and ArenaFreePages ---

    /**
     * bpf_arena_alloc_pages(): {@code pageCnt} (u32) zeroed pages at {@code addr} (any nonzero
     * value means "exactly there"; only its low 32 bits and alignment matter) or wherever the
     * free set fits them best; returns the full user address of the first page, or 0 (NULL).
     * All or nothing: every failure restores the free set and leaves no page or kernel PTE.
     * No user PTE is created; users see the pages on their next fault.
     */
    public long allocPages(long addr, int pageCnt, int nodeId, long flags) {
        return allocPages.alloc(addr, pageCnt, nodeId, flags, true);
    }

    /**
     * bpf_arena_alloc_pages_non_sleepable() (E4+, chosen by the verifier for call sites in
     * non-sleepable context): the same, except that the pages a failed call must give back go
     * through the deferred free path.
     */
    public long allocPagesNonSleepable(long addr, int pageCnt, int nodeId, long flags) {
        requireNonSleepableKfuncs("bpf_arena_alloc_pages_non_sleepable");
        return allocPages.alloc(addr, pageCnt, nodeId, flags, false);
    }

    /** bpf_arena_free_pages(): see {@link ArenaFreePages#free}; NULL or a zero count does nothing. */
    public void freePages(long ptr, int pageCnt) {
        checkLive();
        long cnt = Integer.toUnsignedLong(pageCnt);
        if (cnt == 0 || ptr == 0) return;
        freePages.free(ptr, cnt, true);
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
        freePages.free(ptr, cnt, false);
    }

    /** Deferred frees queued and not yet done by the worker. */
    public int pendingFreeSpans() {
        return freePages.pendingFreeSpans();
    }

    private void requireNonSleepableKfuncs(String kfunc) {
        if (!era.hasNonSleepableKfuncs()) {
            throw new KernelBug(kfunc + " does not exist in " + era + ": arena kfuncs are KF_SLEEPABLE and the verifier rejects them in non-sleepable programs");
        }
    }

    /**
     * bpf_arena_reserve_pages() (docs/semantics.md#reserve): marks [ptr, ptr + cnt pages) used
     * without populating it. 0; -EINVAL past the mapping; -EBUSY if any page is allocated, reserved
     * or faulted in;
     * -ENOMEM if the free set could not split a run. An unaligned pointer "succeeds" and
     * reserves nothing (kernel quirk).
     */
    public int reservePages(long ptr, int pageCnt) {
        if (!era.hasReservePages()) {
            throw new KernelBug("bpf_arena_reserve_pages does not exist in " + era + " (added in v6.17): the verifier rejects a call to it");
        }
        return allocPages.reserve(ptr, pageCnt);
    }

    // ---- kernel-side faults (docs/semantics.md#kernel-side-access, E5) --------------------------

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
        if (Long.compareUnsigned(pageAddr, kernVmStart()) < 0 || Long.compareUnsigned(pageAddr, kernVmStart() + SZ_4G + GUARD_SZ / 2) >= 0) return false;
        if (kernVm.pageAt(pageAddr) == Frames.NO_PAGE) kernVm.mapAlias(pageAddr, scratchPage);
        return true;
    }

    // ---- teardown (docs/semantics.md#teardown) --------------------------------------------------

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
        freePages.flushDeferred();   // irq_work_sync + flush_work
        long walkEnd = kernVmStart() + SZ_4G + (era.usesScratchPage() ? GUARD_SZ / 2 : 0);
        List<Long> present = new ArrayList<>();
        kernVm.forEachPresent(kernVmStart(), walkEnd, present::add);
        for (long va : present) {
            long page = kernVm.pageAt(va);
            if (page == scratchPage) continue;
            frames.putPage(page);
        }
        kernel.addressSpace().release(kernVm);
        pages.destroy();
        if (scratchPage != Frames.NO_PAGE) frames.putPage(scratchPage);
        nrPages = 0;
        freed = true;
    }

    // ---- state --------------------------------------------------------------------------------

    public Kernel kernel() { return kernel; }
    public long maxEntries() { return attr.maxEntries() & 0xFFFF_FFFFL; }
    public int mapFlags() { return attr.mapFlags(); }
    /** The value JIT'd code keeps in r12: kern_vm->addr + GUARD_SZ / 2. */
    public long kernVmStart() { return kernVm.addr() + GUARD_SZ / 2; }
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
        return kernVmStart() + lo32(uaddr);
    }

    /** compute_pgoff(): (u32)(lo32(uaddr) - lo32(user_vm_start)) >> PAGE_SHIFT, wrapping. */
    public long computePgoff(long uaddr) {
        return lo32(uaddr - lo32(userVmStart)) >>> PAGE_SHIFT;
    }

    /** Whether pgoff is in the free set (neither allocated, reserved nor faulted in). */
    public boolean isFree(long pgoff) {
        return pages.isFree(pgoff);
    }

    /**
     * The free set's runs, by start: the range tree's runs (E3+), or the gaps between the maple
     * tree's entries below max_entries (E1–E2).
     */
    public List<RangeTree.Run> freeRuns() {
        return pages.freeRuns(maxEntries());
    }

    /** The vma_list, newest first. */
    public List<VmaListEntry> vmaList() {
        return List.copyOf(vmaList);
    }

    /** Everything the invariant checker compares (see {@link ArenaSnapshot}). */
    public ArenaSnapshot snapshot() {
        List<ArenaSnapshot.KernelPage> kernelPages = new ArrayList<>();
        boolean scratchInUse = false;
        if (!freed) {
            List<Long> present = new ArrayList<>();
            kernVm.forEachPresent(kernVm.addr(), kernVm.addr() + kernVm.size(), present::add);
            for (long va : present) {
                long frame = kernVm.pageAt(va);
                boolean scratch = frame == scratchPage && scratchPage != Frames.NO_PAGE;
                scratchInUse |= scratch;
                kernelPages.add(new ArenaSnapshot.KernelPage(va - kernVmStart(), va, frame, frames.refcount(frame), frames.mapcount(frame), scratch));
            }
        }
        List<ArenaSnapshot.Vma> vmas = vmaList.stream()
            .map(e -> new ArenaSnapshot.Vma(e.vma().start(), e.vma().end(), e.vma().alive(), e.mmapCount())).toList();
        return new ArenaSnapshot(userVmStart, userVmEnd, kernVmStart(), kernelPages, freeRuns(), vmas, memUsage(), scratchInUse);
    }

    /** nr_pages bookkeeping: {@code delta} kernel PTEs installed (negative: removed). */
    void pagesInstalled(long delta) {
        nrPages += delta;
    }

    void checkLive() {
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
}
