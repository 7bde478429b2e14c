package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.mm.VmArea;

/**
 * struct vma_list: one entry of the arena's list of user mappings, stored as the VMA's
 * vm_private_data. {@code mmapCount} (E2+) counts the VMAs sharing it (the original and the
 * copies made by split, fork or mremap, via vm_ops->open); {@code vma} stays the original. In E1
 * there is no count: the first arena_vm_close of any VMA sharing the entry kfrees it
 * ({@link #isFreed()}), and the others keep pointing at freed memory.
 */
public final class VmaListEntry {
    private final VmArea vma;
    private int mmapCount = 1;
    private boolean freed;

    VmaListEntry(VmArea vma) {
        this.vma = vma;
    }

    /** The VMA this entry was made for (never updated, as in the kernel). */
    public VmArea vma() {
        return vma;
    }

    public int mmapCount() {
        return mmapCount;
    }

    /** Whether the entry was kfree'd (E1: a VMA sharing it may still point at it). */
    public boolean isFreed() {
        return freed;
    }

    void kfree() {
        freed = true;
    }

    void get() {
        mmapCount++;
    }

    /** refcount_dec_and_test(). */
    boolean put() {
        return --mmapCount == 0;
    }
}
