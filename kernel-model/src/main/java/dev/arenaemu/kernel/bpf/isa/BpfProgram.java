package dev.arenaemu.kernel.bpf.isa;

import java.util.List;

/**
 * One loadable BPF program: its entry symbol, ELF section (the program type, e.g. "syscall"),
 * the linked instruction slots (entry function first, then every bpf-to-bpf callee appended, as
 * libbpf's bpf_object__relocate does) and the references the loader still has to resolve.
 * Kfunc calls are already resolved (src = BPF_PSEUDO_KFUNC_CALL, imm = Kfunc id); bpf-to-bpf
 * calls already carry their relative offset (src = BPF_PSEUDO_CALL).
 */
public record BpfProgram(String name, String section, List<Insn> insns, List<Reloc> relocations) {
    public BpfProgram {
        insns = List.copyOf(insns);
        relocations = List.copyOf(relocations);
    }

    public BpfProgram withInsns(List<Insn> newInsns) {
        return new BpfProgram(name, section, newInsns, relocations);
    }

    public long[] encode() {
        long[] raw = new long[insns.size()];
        for (int i = 0; i < raw.length; i++) raw[i] = insns.get(i).encode();
        return raw;
    }
}
