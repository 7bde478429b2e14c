package dev.arenaemu.kernel.bpf.verifier;

/** Which addr_space_cast an instruction was (docs/semantics.md#addr_space_cast, #the-cast-instruction). */
public enum CastKind {
    NONE,
    /** as1 -> as0: rewritten to {@code wX = wY}. */
    KERN,
    /** as0 -> as1: kept for the JIT to expand (or rewritten to {@code wX = wY} under BPF_F_NO_USER_CONV). */
    USER
}
