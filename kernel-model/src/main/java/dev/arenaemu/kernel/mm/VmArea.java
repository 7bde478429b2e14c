package dev.arenaemu.kernel.mm;

/**
 * What kernel code sees of a user mapping (vm_area_struct). The user model implements it; the
 * kernel model keeps references in its own bookkeeping (the arena's vma_list) and calls back
 * through {@link #zapRange} when pages leave.
 */
public interface VmArea {
    long start();

    /** Exclusive end. */
    long end();

    /**
     * vm_pgoff: the file page that {@link #start()} shows. 0 for a fresh arena mapping, but a
     * split (partial munmap, allowed before E5) gives the upper piece the pgoff of its new start.
     */
    long pgoff();

    /** vm_flags, see {@link VmFlag}. */
    long flags();

    void setFlags(long flags);

    /** vm_private_data: whatever the mapping's owner (the arena) stored there. */
    Object privateData();

    void setPrivateData(Object data);

    /** The owning address space (mm_struct); used for identity, never null. */
    Object mm();

    /** False once the VMA was unmapped or its process exited (a dangling pointer in kernel terms). */
    boolean alive();

    /**
     * zap_page_range_single(): removes the user PTEs of [start, start+length) in this VMA, drops
     * the page references they held and flushes that address space's TLB.
     */
    void zapRange(long start, long length);
}
