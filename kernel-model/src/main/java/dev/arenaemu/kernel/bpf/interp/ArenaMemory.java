package dev.arenaemu.kernel.bpf.interp;

/**
 * Arena memory as the interpreter sees it, by kernel address ({@code kern_vm_start + off}).
 * {@link #present} answers what the kernel page table says; loads and stores are only made to
 * present pages.
 */
public interface ArenaMemory {
    boolean present(long kernelAddress);

    /** Zero-extended little-endian load of 1, 2, 4 or 8 bytes. */
    long load(long kernelAddress, int size);

    void store(long kernelAddress, int size, long value);
}
