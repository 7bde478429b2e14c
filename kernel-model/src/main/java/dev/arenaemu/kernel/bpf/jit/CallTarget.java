package dev.arenaemu.kernel.bpf.jit;

import dev.arenaemu.kernel.bpf.isa.Kfunc;

/** What a BPF {@code call} outside the program reaches: a helper by id or a kfunc. */
public sealed interface CallTarget {
    /** {@code call imm} with src = 0: a BPF helper (include/uapi/linux/bpf.h {@code BPF_FUNC_*} id). */
    record Helper(int id) implements CallTarget {}

    /** {@code call imm} with src = BPF_PSEUDO_KFUNC_CALL. */
    record KfuncCall(Kfunc kfunc) implements CallTarget {}
}
