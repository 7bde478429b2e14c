package dev.arenaemu.kernel.mm;

import dev.arenaemu.emulator.paging.PageTable;
import dev.arenaemu.emulator.paging.PteFlag;
import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.KernelBug;
import dev.arenaemu.kernel.inject.InjectionSite;

import java.util.function.LongConsumer;

/**
 * One reserved kernel range (struct vm_struct from get_vm_area()): its start and size, plus the
 * page-level operations of mm/vmalloc.c the arena uses — vm_area_map_pages(),
 * vm_area_unmap_pages(), vmalloc_to_page(). Any frame may be installed at any page of the range.
 */
public final class KernelVmArea {
    /** arch/x86/mm/tlb.c tlb_single_page_flush_ceiling. */
    public static final int TLB_SINGLE_PAGE_FLUSH_CEILING = 33;
    /** Kernel data PTE: present, writable, supervisor, not executable (PAGE_KERNEL without the global bit). */
    private static final long PAGE_KERNEL = PteFlag.RW | PteFlag.NX;

    private final KernelAddressSpace space;
    private final String name;
    private final long addr;
    private final long size;
    private final PageTable table;
    private long present;
    private boolean released;

    KernelVmArea(KernelAddressSpace space, String name, long addr, long size) {
        this.space = space;
        this.name = name;
        this.addr = addr;
        this.size = size;
        this.table = space.machine().kernelPageTable();
    }

    public String name() { return name; }
    public long addr() { return addr; }
    public long size() { return size; }
    /** Kernel PTEs present in the range now. */
    public long presentPages() { return present; }

    /** The offset of {@code va} in the range. */
    public long offsetOf(long va) {
        long off = va - addr;
        if (off < 0 || off >= size) throw new KernelBug("address 0x" + Long.toHexString(va) + " outside vm area " + name);
        return off;
    }

    /**
     * vm_area_map_pages() for {@code count} pages from {@code va}: installs one kernel PTE per
     * frame in {@code frames[0..count)}. Returns the
     * number of PTEs written before a failure ({@link InjectionSite#KERNEL_PTE_INSTALL}), so the
     * caller can roll back exactly those; {@code count} on success.
     */
    public int mapPages(long va, long[] frames, int count) {
        checkLive();
        for (int i = 0; i < count; i++) {
            long page = va + ((long) i << Frames.PAGE_SHIFT);
            offsetOf(page);
            if (space.injection().shouldFail(InjectionSite.KERNEL_PTE_INSTALL)) return i;
            long old = table.map(page, frames[i], PAGE_KERNEL);
            if ((old & PteFlag.P) == 0) present++;
        }
        return count;
    }

    /**
     * apply_to_page_range() with no callback: creates every page-table level above the PTEs for
     * [va, va + length) now, so later PTE writes there need no allocation. Returns 0, or -ENOMEM
     * when {@link InjectionSite#PAGE_TABLE_POPULATE} fails (tables made so far stay, as in the
     * kernel, until the range is released).
     */
    public int populatePageTables(long va, long length) {
        checkLive();
        if (space.injection().shouldFail(InjectionSite.PAGE_TABLE_POPULATE)) return Errno.ENOMEM.neg();
        final long pmdSpan = 1L << 21;
        for (long at = va & -pmdSpan; at < va + length; at += pmdSpan) table.populate(Math.max(at, va));
        return 0;
    }

    /** vm_area_map_pages() for one page: 0 or -ENOMEM. */
    public int mapPage(long va, long frame) {
        return mapPages(va, new long[] {frame}, 1) == 1 ? 0 : Errno.ENOMEM.neg();
    }

    /**
     * Installs a PTE for {@code frame} at {@code va} that no fault injection can fail (E5's scratch
     * page parked by kernel-fault recovery: the kernel maps it with set_pte_at directly).
     */
    public void mapAlias(long va, long frame) {
        checkLive();
        offsetOf(va);
        long old = table.map(va, frame, PAGE_KERNEL);
        if ((old & PteFlag.P) == 0) present++;
    }

    /** vmalloc_to_page(): the frame installed at {@code va}, or {@link Frames#NO_PAGE}. */
    public long pageAt(long va) {
        long e = table.entry(va);
        return (e & PteFlag.P) == 0 ? Frames.NO_PAGE : e & PteFlag.FRAME_MASK;
    }

    /**
     * Clears the PTE at {@code va} without flushing any TLB (the first half of
     * vm_area_unmap_pages, or E4+'s collect-then-flush). Returns the frame it held or
     * {@link Frames#NO_PAGE}.
     */
    public long clearPte(long va) {
        checkLive();
        long old = table.unmap(va);
        if ((old & PteFlag.P) == 0) return Frames.NO_PAGE;
        present--;
        return old & PteFlag.FRAME_MASK;
    }

    /** flush_tlb_kernel_range() over {@code pages} pages from {@code va}, in every CPU. */
    public void flushTlb(long va, long pages) {
        space.flushTlbRange(va, pages);
    }

    /** vm_area_unmap_pages(): clears the PTEs of [va, va + pages*4K) and flushes the kernel TLB for them. */
    public void unmapPages(long va, long pages) {
        for (long i = 0; i < pages; i++) clearPte(va + (i << Frames.PAGE_SHIFT));
        flushTlb(va, pages);
    }

    /** apply_to_existing_page_range() over [start, end): the address of every present PTE. */
    public void forEachPresent(long start, long end, LongConsumer visitor) {
        if (present == 0) return;
        table.forEachPresent(start, end, visitor);
    }

    boolean released() {
        return released;
    }

    void clearAll() {
        if (present > 0) table.forEachPresent(addr, addr + size, va -> table.unmap(va));
        present = 0;
    }

    void markReleased() {
        released = true;
    }

    private void checkLive() {
        if (released) throw new KernelBug("vm area " + name + " used after free_vm_area");
    }
}
