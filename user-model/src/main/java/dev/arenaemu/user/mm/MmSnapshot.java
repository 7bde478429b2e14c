package dev.arenaemu.user.mm;

import java.util.List;

/**
 * What an invariant checker needs to see of one address space: its VMAs and every present user
 * PTE (a user PTE outside every VMA, or naming a frame the kernel no longer owns, is a bug).
 */
public record MmSnapshot(List<VmaView> vmas, List<PteView> ptes) {
    /** One VMA; {@code file} is the mapped object (the arena) or null for anonymous memory. */
    public record VmaView(long start, long end, long flags, long pgoff, Object file) {}

    /** One present leaf in the user half. */
    public record PteView(long va, long frame, boolean writable) {}
}
