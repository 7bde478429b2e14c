package dev.arenaemu.kernel.bpf.verifier;

/**
 * Kernel versions with different arena verifier behaviour (spec §0, §9, §11). Kept minimal and
 * local to the verifier until a shared KernelEra exists; each switch names the change it models.
 */
public enum VerifierEra {
    /** v6.9: introduction. No atomics through arena pointers. */
    E1,
    /** v6.10-v6.12: BPF_PROBE_ATOMIC (x86 JIT supports add/and/or/xor, xchg, cmpxchg, fetch-add on arena). */
    E2,
    /** v6.13-v6.17. */
    E3,
    /** v6.18: sign-extending arena loads (BPF_PROBE_MEM32SX) supported by the x86 JIT. */
    E3_V6_18,
    /** v7.0: BPF_MAX_VAR_OFF check on direct values removed (globals at the end of the arena). */
    E4,
    /** 2026 snapshot: arena_map_direct_value_addr rejects off == size ({@code >=}). */
    E5;

    public boolean atomicsOnArena() { return this != E1; }

    public boolean signExtendingArenaLoads() { return compareTo(E3_V6_18) >= 0; }

    /** E1-E3: "direct value offset of %u is not allowed" for off >= BPF_MAX_VAR_OFF. */
    public boolean maxVarOffCheck() { return compareTo(E4) < 0; }

    public boolean directValueAddrRejectsEnd() { return this == E5; }
}
