package dev.arenaemu.kernel.bpf.jit;

import dev.arenaemu.kernel.bpf.isa.Bpf;

/**
 * Values the kernel JIT reads once and bakes into the image: the arena's kernel and user bases
 * ({@code bpf_arena_get_kern_vm_start} / {@code bpf_arena_get_user_vm_start}, 0 when the program
 * uses no arena) and the stack depth the verifier computed for each function.
 */
public record JitOptions(long kernVmStart, long userVmStart, int stackDepth) {
    public JitOptions {
        if (stackDepth < 0 || stackDepth > Bpf.MAX_BPF_STACK) throw new IllegalArgumentException("stack depth " + stackDepth);
    }

    /** A program without an arena and the maximum stack. */
    public static final JitOptions PLAIN = new JitOptions(0, 0, Bpf.MAX_BPF_STACK);

    public static JitOptions arena(long kernVmStart, long userVmStart) {
        return new JitOptions(kernVmStart, userVmStart, Bpf.MAX_BPF_STACK);
    }

    public boolean hasArena() {
        return kernVmStart != 0;
    }
}
