package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.mm.VmArea;

/**
 * struct vma_list: one entry of the arena's list of user mappings, stored as the VMA's
 * vm_private_data. {@code mmapCount} (E2+) counts the VMAs sharing it (the original and the
 * copies made by split, fork or mremap, via vm_ops->open); {@code vma} stays the original.
 */
public final class VmaListEntry {
    private final VmArea vma;
    private int mmapCount = 1;

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

    void get() {
        mmapCount++;
    }

    /** refcount_dec_and_test(). */
    boolean put() {
        return --mmapCount == 0;
    }
}
