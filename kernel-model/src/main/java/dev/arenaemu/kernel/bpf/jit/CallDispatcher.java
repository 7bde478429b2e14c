package dev.arenaemu.kernel.bpf.jit;

/**
 * The Java side of every helper and kfunc a BPF program calls, shared by the JIT's trampolines
 * and the reference interpreter. Arguments are R1..R5 as the callee sees them (rdi, rsi, rdx,
 * rcx, r8 under the JIT's register map).
 */
@FunctionalInterface
public interface CallDispatcher {
    CallResult call(CallTarget target, long a1, long a2, long a3, long a4, long a5);

    /** Rejects every call: for programs that must not call out. */
    CallDispatcher NONE = (target, a1, a2, a3, a4, a5) -> {
        throw new UnsupportedOperationException("no call target bound for " + target);
    };
}
