package dev.arenaemu.kernel.bpf.jit;

/**
 * The value a helper or kfunc returns in R0, and whether it removed kernel PTEs: then the
 * caller's kernel TLB must be flushed before the program touches memory again (the real
 * kernel's {@code flush_tlb_kernel_range}).
 */
public record CallResult(long r0, boolean flushKernelTlb) {
    public static CallResult of(long r0) {
        return new CallResult(r0, false);
    }
}
