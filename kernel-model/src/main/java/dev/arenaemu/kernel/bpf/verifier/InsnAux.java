package dev.arenaemu.kernel.bpf.verifier;

/**
 * Per-instruction facts the JIT needs (a subset of struct bpf_insn_aux_data), indexed like the
 * rewritten program's slots: whether the instruction accesses arena memory (and so got a
 * PROBE_MEM32 / PROBE_MEM32SX / PROBE_ATOMIC mode and needs an exception-table entry), which cast
 * it was, whether an ALU64 op on an arena pointer was narrowed to 32 bits (needs_zext), whether
 * the instruction is reachable at all, and for ld_imm64 the map it was resolved against.
 */
public record InsnAux(boolean arenaAccess, CastKind cast, boolean narrowedToAlu32, boolean reachable, String map) {
    public static final InsnAux NONE = new InsnAux(false, CastKind.NONE, false, false, null);

    InsnAux withArenaAccess() { return new InsnAux(true, cast, narrowedToAlu32, reachable, map); }

    InsnAux withCast(CastKind kind) { return new InsnAux(arenaAccess, kind, narrowedToAlu32, reachable, map); }

    InsnAux withNarrowed() { return new InsnAux(arenaAccess, cast, true, reachable, map); }

    InsnAux withReachable() { return new InsnAux(arenaAccess, cast, narrowedToAlu32, true, map); }

    InsnAux withMap(String name) { return new InsnAux(arenaAccess, cast, narrowedToAlu32, reachable, name); }
}
