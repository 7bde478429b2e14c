package dev.arenaemu.kernel.bpf.verifier;

import dev.arenaemu.kernel.bpf.isa.BpfProgram;
import java.util.List;
import java.util.Optional;

/**
 * A program that passed verification, ready for the JIT: the rewritten instructions (map
 * references patched to addresses like resolve_pseudo_ldimm64 + convert_pseudo_ld_imm64 do, arena
 * accesses in PROBE modes, cast_kern as 32-bit moves), per-slot aux data, the arena the program
 * is bound to (prog->aux->arena), how many exception-table entries the JIT must emit
 * (prog->aux->num_exentries), the first instruction of every subprogram and each subprogram's
 * stack depth in bytes (rounded up to 32 as the kernel does for the JIT's frame).
 */
public record VerifiedProgram(BpfProgram program, List<InsnAux> aux, Optional<MapDescriptor> arena, int exceptionEntries,
                              List<Integer> subprogStarts, List<Integer> stackDepths, List<MapDescriptor> usedMaps) {
    public VerifiedProgram {
        aux = List.copyOf(aux);
        subprogStarts = List.copyOf(subprogStarts);
        stackDepths = List.copyOf(stackDepths);
        usedMaps = List.copyOf(usedMaps);
    }
}
