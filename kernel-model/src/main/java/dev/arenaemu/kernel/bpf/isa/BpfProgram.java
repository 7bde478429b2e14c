package dev.arenaemu.kernel.bpf.isa;

import java.util.ArrayList;
import java.util.List;

/**
 * One loadable BPF program: its entry symbol, ELF section (the program type, e.g. "syscall"),
 * the linked instruction slots (entry function first, then every bpf-to-bpf callee appended, as
 * libbpf's bpf_object__relocate does) and the references the loader still has to resolve.
 * Kfunc calls are already resolved (src = BPF_PSEUDO_KFUNC_CALL, imm = Kfunc id); bpf-to-bpf
 * calls already carry their relative offset (src = BPF_PSEUDO_CALL). {@code funcInfo} is what
 * libbpf passes as func_info from the object's .BTF.ext, one record per subprogram at its linked
 * start; a program without BTF (assembled) has none, and then every subprogram is static.
 */
public record BpfProgram(String name, String section, List<Insn> insns, List<Reloc> relocations, List<FuncInfo> funcInfo) {
    public BpfProgram {
        insns = List.copyOf(insns);
        relocations = List.copyOf(relocations);
        funcInfo = List.copyOf(funcInfo);
    }

    public BpfProgram(String name, String section, List<Insn> insns, List<Reloc> relocations) {
        this(name, section, insns, relocations, List.of());
    }

    /** The same program with other instructions (the verifier's rewrites); func_info stays the loaded one. */
    public BpfProgram withInsns(List<Insn> newInsns) {
        return new BpfProgram(name, section, newInsns, relocations, funcInfo);
    }

    /**
     * What libbpf does once the arena mapping size is known: every {@link Reloc.ArenaGlobal}
     * becomes a {@link Reloc.MapValue} on the arena map at {@code arenaDataOff + offset}, and the
     * ld_imm64's second slot carries that offset (docs/semantics.md#libbpf). See ArenaGlobalsPlacement.
     */
    public BpfProgram withArenaDataOffset(long arenaDataOff) {
        List<Insn> out = new ArrayList<>(insns);
        List<Reloc> relocs = new ArrayList<>();
        for (Reloc r : relocations) {
            if (r instanceof Reloc.ArenaGlobal g) {
                long off = g.offset() + arenaDataOff;
                if (off < 0 || off > 0xFFFF_FFFFL) throw new IllegalArgumentException("arena global offset " + off + " does not fit in u32");
                out.set(g.insn() + 1, out.get(g.insn() + 1).withImm((int) off));
                relocs.add(new Reloc.MapValue(g.insn(), g.arenaMap(), off));
            } else {
                relocs.add(r);
            }
        }
        return new BpfProgram(name, section, out, relocs, funcInfo);
    }

    public long[] encode() {
        long[] raw = new long[insns.size()];
        for (int i = 0; i < raw.length; i++) raw[i] = insns.get(i).encode();
        return raw;
    }
}
