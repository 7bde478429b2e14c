package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.KernelBug;
import dev.arenaemu.kernel.mm.Frames;
import dev.arenaemu.kernel.mm.VmArea;
import dev.arenaemu.kernel.mm.VmFaultResult;
import dev.arenaemu.kernel.mm.VmOperations;

/**
 * arena_vm_ops (kernel/bpf/arena.c): what core mm calls on a user mapping of an arena. open and
 * close keep the vma_list entry's refcount; may_split and mremap refuse in the eras that forbid
 * them; fault (docs/semantics.md#user-page-fault) populates the page behind a user address on first
 * touch, taking it out of the free set, or answers SIGSEGV/OOM as the era's arena_vm_fault does.
 */
final class ArenaVmOps implements VmOperations {
    private final Arena arena;

    ArenaVmOps(Arena arena) {
        this.arena = arena;
    }

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
        arena.vmaList.remove(entry);
        vma.setPrivateData(null);
    }

    @Override
    public VmFaultResult fault(VmArea vma, long address, boolean write) {
        arena.checkLive();
        long page = address & -Arena.PAGE_SIZE;
        // vmf->pgoff = linear_page_index(vma, address): non-zero vm_pgoff after a split
        long pgoff = ((page - vma.start()) >>> Arena.PAGE_SHIFT) + vma.pgoff();
        return arena.era.faultPreallocatesPage() ? faultPreallocating(page, pgoff) : faultLocked(page, pgoff);
    }

    @Override
    public int maySplit(VmArea vma, long address) {
        return arena.era.rejectsSplitAndMremap() ? Errno.EINVAL.neg() : 0;
    }

    @Override
    public int mremap(VmArea vma) {
        return arena.era.rejectsSplitAndMremap() ? Errno.EINVAL.neg() : 0;
    }

    private VmaListEntry entryOf(VmArea vma, String where) {
        if (!(vma.privateData() instanceof VmaListEntry entry) || !arena.vmaList.contains(entry)) {
            throw new KernelBug(where + ": vm_private_data of VMA at 0x" + Long.toHexString(vma.start()) + " is not a live vma_list entry of this arena");
        }
        return entry;
    }

    // ---- arena_vm_fault (docs/semantics.md#user-page-fault) -------------------------------------

    /** arena_vm_fault, E1–E3 (docs/semantics.md#mutex-era-fault): everything under the mutex. */
    private VmFaultResult faultLocked(long address, long pgoff) {
        Frames frames = arena.frames;
        long kaddr = arena.kernelAddress(address);
        long page = arena.kernVm.pageAt(kaddr);
        if (page == Frames.NO_PAGE) {
            if (arena.attr.has(ArenaAttr.BPF_F_SEGV_ON_FAULT)) return VmFaultResult.SIGSEGV;
            if (arena.rt.clear(pgoff, 1) != 0) return VmFaultResult.SIGSEGV;
            page = frames.allocPage("arena_vm_fault");
            if (page == Frames.NO_PAGE) {
                arena.rt.set(pgoff, 1);
                return arena.era.faultAllocFailure();
            }
            if (arena.kernVm.mapPage(kaddr, page) != 0) {
                arena.rt.set(pgoff, 1);
                frames.putPage(page);
                return VmFaultResult.SIGSEGV;
            }
            arena.pagesInstalled(1);
        }
        frames.getPage(page);
        return new VmFaultResult.Page(page);
    }

    /**
     * arena_vm_fault, E5 (docs/semantics.md#preallocating-fault): the page is allocated before the
     * lock and may be given back.
     */
    private VmFaultResult faultPreallocating(long address, long pgoff) {
        Frames frames = arena.frames;
        long kaddr = arena.kernelAddress(address);
        long newPage = Frames.NO_PAGE;
        if (arena.kernVm.pageAt(kaddr) == Frames.NO_PAGE) {
            newPage = frames.allocPage("arena_vm_fault");
            if (newPage == Frames.NO_PAGE) return arena.era.faultAllocFailure();
        }
        long page = arena.kernVm.pageAt(kaddr);
        VmFaultResult failure;
        if (page != Frames.NO_PAGE) {
            if (page == arena.scratchPage) {
                failure = VmFaultResult.SIGSEGV;   // BPF parked the scratch page here
            } else {
                return mapIt(page, newPage);
            }
        } else if (newPage == Frames.NO_PAGE) {
            failure = VmFaultResult.RETRY;         // raced with a free (cannot happen single-threaded)
        } else if (arena.attr.has(ArenaAttr.BPF_F_SEGV_ON_FAULT)) {
            failure = VmFaultResult.SIGSEGV;
        } else if (arena.rt.clear(pgoff, 1) != 0) {
            failure = VmFaultResult.OOM;
        } else if (arena.kernVm.mapPage(kaddr, newPage) != 0) {
            arena.rt.set(pgoff, 1);
            failure = VmFaultResult.SIGSEGV;
        } else {
            arena.pagesInstalled(1);
            return mapIt(newPage, Frames.NO_PAGE);
        }
        if (newPage != Frames.NO_PAGE) frames.putPage(newPage);
        return failure;
    }

    private VmFaultResult mapIt(long page, long unusedNewPage) {
        arena.frames.getPage(page);
        if (unusedNewPage != Frames.NO_PAGE) arena.frames.putPage(unusedNewPage);
        return new VmFaultResult.Page(page);
    }
}
