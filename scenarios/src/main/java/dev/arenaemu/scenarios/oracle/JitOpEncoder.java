package dev.arenaemu.scenarios.oracle;

import dev.arenaemu.kernel.bpf.isa.Bpf;
import dev.arenaemu.kernel.bpf.isa.BpfProgram;
import dev.arenaemu.kernel.bpf.isa.Insn;
import dev.arenaemu.kernel.bpf.isa.Kfunc;
import dev.arenaemu.kernel.bpf.isa.Reloc;
import dev.arenaemu.kernel.bpf.verifier.Verifier;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * {@link JitObject}s to the runner's op list (runner.c, "object blocks"): the ELF, BTF and
 * relocation work is done here, the guest only creates the maps, patches fds and BTF ids, loads
 * and reads back what the kernel made of each program.
 * <pre>
 * O number 0 0x0 timeout_ms                                an object starts (its own process)
 * G map type key value max_entries flags map_extra init freeze globals_off globals
 * J prog prog_type prog_flags insns relocs                 relocs "m:insn:map;v:insn:map;k:insn:kfunc" or "-"
 * </pre>
 * Byte strings are hex ("-" when empty); {@code insns} is the program's 8-byte slots in hex.
 */
public final class JitOpEncoder {
    private JitOpEncoder() {}

    /** An object gets this long in the guest (loading a large program under TCG takes seconds). */
    static final int OBJECT_TIMEOUT_MS = 60_000;

    static final int BPF_PROG_TYPE_SOCKET_FILTER = 1, BPF_PROG_TYPE_SYSCALL = 31;
    static final int BPF_F_SLEEPABLE = 1 << 4;

    public static String encode(JitObject o, int number) {
        StringBuilder out = new StringBuilder("O " + number + " 0 0x0 " + OBJECT_TIMEOUT_MS + "\n");
        for (int i = 0; i < o.maps().size(); i++) {
            JitMap m = o.maps().get(i);
            out.append("G ").append(i).append(' ').append(m.type()).append(' ').append(m.keySize()).append(' ').append(m.valueSize())
                .append(' ').append(m.maxEntries()).append(" 0x").append(Long.toHexString(m.flags())).append(" 0x")
                .append(Long.toHexString(m.mapExtra())).append(' ').append(hex(m.init())).append(' ').append(m.freeze() ? 1 : 0)
                .append(' ').append(m.globalsOffset()).append(' ').append(hex(m.globals())).append('\n');
        }
        for (int i = 0; i < o.programs().size(); i++) {
            BpfProgram p = o.programs().get(i);
            boolean sleepable = Verifier.isSleepable(p.section());
            out.append("J ").append(i).append(' ').append(sleepable ? BPF_PROG_TYPE_SYSCALL : BPF_PROG_TYPE_SOCKET_FILTER)
                .append(' ').append(sleepable ? BPF_F_SLEEPABLE : 0).append(' ').append(insnHex(p.insns()))
                .append(' ').append(relocs(o, p)).append('\n');
        }
        return out.toString();
    }

    /** The slots as the kernel reads them (struct bpf_insn, little-endian). */
    static String insnHex(List<Insn> insns) {
        StringBuilder sb = new StringBuilder();
        for (Insn in : insns) {
            long raw = in.encode();
            for (int k = 0; k < 8; k++) sb.append(HexFormat.of().toHexDigits((byte) (raw >>> (8 * k))));
        }
        return sb.toString();
    }

    static String relocs(JitObject o, BpfProgram p) {
        List<String> out = new ArrayList<>();
        for (Reloc r : p.relocations()) {
            switch (r) {
                case Reloc.MapFd m -> out.add("m:" + m.insn() + ":" + o.mapIndex(m.map()));
                case Reloc.MapValue m -> out.add("v:" + m.insn() + ":" + o.mapIndex(m.map()));
                case Reloc.ArenaGlobal g -> throw new IllegalArgumentException(o.label() + ": " + p.name() + " was not relocated for arena_data_off");
            }
        }
        List<Insn> insns = p.insns();
        for (int i = 0; i < insns.size(); i++) {
            Insn in = insns.get(i);
            if (in.isCall() && in.src() == Bpf.PSEUDO_KFUNC_CALL) {
                int at = i;
                out.add("k:" + i + ":" + Kfunc.byId(in.imm()).orElseThrow(() -> new IllegalArgumentException(o.label() + ": " + p.name()
                    + " insn " + at + ": kfunc id " + in.imm() + " unknown")).symbol);
            }
            if (in.isLdImm64()) i++;
        }
        return out.isEmpty() ? "-" : String.join(";", out);
    }

    static String hex(byte[] b) {
        return b.length == 0 ? "-" : HexFormat.of().formatHex(b);
    }
}
