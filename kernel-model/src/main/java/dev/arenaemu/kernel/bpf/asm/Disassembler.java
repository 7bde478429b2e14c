package dev.arenaemu.kernel.bpf.asm;

import static dev.arenaemu.kernel.bpf.isa.Bpf.*;

import dev.arenaemu.kernel.bpf.isa.BpfProgram;
import dev.arenaemu.kernel.bpf.isa.Insn;
import dev.arenaemu.kernel.bpf.isa.Kfunc;
import dev.arenaemu.kernel.bpf.isa.Reloc;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Prints instructions in the syntax of llvm-objdump-19 -d --mcpu=v4 (hex immediates, "r1 = 0x5 ll",
 * "lock *(u64 *)(r1 + 0x0) += r2", "r1 = addr_space_cast(r2, 0x0, 0x1)"), so the output of this
 * class and llvm-objdump can be compared line by line. Where llvm has no syntax this project
 * defines one that {@link Assembler} reads back:
 * <ul>
 *   <li>{@code r1 = map[NAME] ll}, {@code r1 = map_value[NAME + 0x10] ll},
 *       {@code r1 = arena_global[0x8] ll} for relocated ld_imm64 (see {@link Reloc});
 *       without a relocation, pseudo sources print as {@code map[fd:N]} / {@code map_value[fd:N + off]};</li>
 *   <li>{@code call NAME} for a kfunc, {@code call pc+0x3} for a bpf-to-bpf call;</li>
 *   <li>legacy packet loads as {@code r0 = *(u8 *)skb[0x10]} (ABS) and {@code r0 = *(u8 *)skb[r1 + 0x10]} (IND);</li>
 *   <li>verifier-internal modes (PROBE_MEM32, PROBE_MEM32SX, PROBE_ATOMIC) print like the uapi
 *       form followed by a comment {@code ; probe_mem32} and are not meant to be reassembled.</li>
 * </ul>
 */
public final class Disassembler {
    private Disassembler() {}

    /** One line per instruction (an ld_imm64 pair is one line); index i of the result is not slot i. */
    public static List<String> program(BpfProgram program) {
        Map<Integer, Reloc> relocs = new HashMap<>();
        for (Reloc r : program.relocations()) relocs.put(r.insn(), r);
        List<String> lines = new ArrayList<>();
        List<Insn> insns = program.insns();
        for (int i = 0; i < insns.size(); i++) {
            lines.add(insn(insns, i, relocs.get(i)));
            if (insns.get(i).isLdImm64()) i++;
        }
        return lines;
    }

    /** The text of slot {@code index} (which must not be the second half of an ld_imm64). */
    public static String insn(List<Insn> insns, int index, Reloc reloc) {
        Insn insn = insns.get(index);
        return switch (insn.cls()) {
            case ALU, ALU64 -> alu(insn);
            case JMP, JMP32 -> jmp(insn);
            case LD -> ld(insns, index, reloc);
            case LDX -> ldx(insn);
            case ST -> mem(insn) + " = " + hex(insn.imm()) + probeNote(insn);
            case STX -> stx(insn);
            default -> throw new AssertionError();
        };
    }

    public static String insn(List<Insn> insns, int index) {
        return insn(insns, index, null);
    }

    static String hex(long value) {
        return value < 0 ? "-0x" + Long.toHexString(-value) : "0x" + Long.toHexString(value);
    }

    private static String signedHex(long value) {
        return value < 0 ? hex(value) : "+" + hex(value);
    }

    private static String reg(boolean is64, int r) {
        return (is64 ? "r" : "w") + r;
    }

    private static String alu(Insn insn) {
        boolean is64 = insn.cls() == ALU64;
        String d = reg(is64, insn.dst());
        String s = insn.source() == X ? reg(is64, insn.src()) : hex(insn.imm());
        if (insn.isAddrSpaceCast()) {
            return "r" + insn.dst() + " = addr_space_cast(r" + insn.src() + ", " + hex(insn.imm() >>> 16) + ", "
                + hex(insn.imm() & 0xFFFF) + ")";
        }
        return switch (insn.op()) {
            case NEG -> d + " = -" + d;
            case END -> endian(insn);
            case MOV -> insn.source() == X && insn.off() != 0
                ? d + " = (s" + insn.off() + ")" + reg(is64, insn.src())
                : d + " = " + s;
            case DIV -> d + (insn.off() == 1 ? " s/= " : " /= ") + s;
            case MOD -> d + (insn.off() == 1 ? " s%= " : " %= ") + s;
            default -> d + " " + AsmSyntax.aluOperator(insn.op()) + " " + s;
        };
    }

    private static String endian(Insn insn) {
        String kind = insn.cls() == ALU64 ? "bswap" : insn.source() == TO_BE ? "be" : "le";
        return "r" + insn.dst() + " = " + kind + insn.imm() + " r" + insn.dst();
    }

    private static String jmp(Insn insn) {
        boolean is32 = insn.cls() == JMP32;
        return switch (insn.op()) {
            case JA -> is32 ? "gotol " + signedHex(insn.imm()) : "goto " + signedHex(insn.off());
            case EXIT -> "exit";
            case CALL -> switch (insn.src()) {
                case PSEUDO_CALL -> "call pc" + signedHex(insn.imm());
                case PSEUDO_KFUNC_CALL -> "call " + Kfunc.byId(insn.imm()).map(k -> k.symbol).orElse("kfunc#" + insn.imm());
                default -> "call " + hex(insn.imm());
            };
            default -> "if " + reg(!is32, insn.dst()) + " " + AsmSyntax.jmpOperator(insn.op()) + " "
                + (insn.source() == X ? reg(!is32, insn.src()) : hex(insn.imm())) + " goto " + signedHex(insn.off());
        };
    }

    private static String ld(List<Insn> insns, int index, Reloc reloc) {
        Insn insn = insns.get(index);
        if (insn.mode() == ABS || insn.mode() == IND) {
            String at = insn.mode() == ABS ? hex(insn.imm())
                : "r" + insn.src() + (insn.imm() == 0 ? "" : (insn.imm() < 0 ? " - " : " + ") + hex(Math.abs((long) insn.imm())));
            return "r0 = *(u" + 8 * sizeBytes(insn.size()) + " *)skb[" + at + "]";
        }
        Insn second = insns.get(index + 1);
        long value = Insn.imm64(insn, second);
        String d = "r" + insn.dst() + " = ";
        if (reloc != null) {
            return d + switch (reloc) {
                case Reloc.MapFd m -> "map[" + m.map() + "]";
                case Reloc.MapValue v -> "map_value[" + v.map() + " + " + hex(v.offset()) + "]";
                case Reloc.ArenaGlobal g -> "arena_global[" + hex(g.offset()) + "]";
            } + " ll";
        }
        return d + switch (insn.src()) {
            case 0 -> hex(value);
            case PSEUDO_MAP_FD -> "map[fd:" + insn.imm() + "]";
            case PSEUDO_MAP_IDX -> "map[idx:" + insn.imm() + "]";
            case PSEUDO_MAP_VALUE -> "map_value[fd:" + insn.imm() + " + " + hex(second.imm() & 0xFFFF_FFFFL) + "]";
            case PSEUDO_MAP_IDX_VALUE -> "map_value[idx:" + insn.imm() + " + " + hex(second.imm() & 0xFFFF_FFFFL) + "]";
            case PSEUDO_BTF_ID -> "btf_id[" + hex(value) + "]";
            case PSEUDO_FUNC -> "func[pc" + signedHex(insn.imm()) + "]";
            default -> throw new IllegalArgumentException("invalid ld_imm64 src " + insn.src());
        } + " ll";
    }

    private static String mem(Insn insn) {
        return "*(u" + 8 * sizeBytes(insn.size()) + " *)" + address(insn.cls() == LDX ? insn.src() : insn.dst(), insn.off());
    }

    private static String address(int base, int off) {
        return "(r" + base + (off < 0 ? " - " : " + ") + hex(Math.abs(off)) + ")";
    }

    private static String probeNote(Insn insn) {
        return switch (insn.mode()) {
            case PROBE_MEM32 -> " ; probe_mem32";
            default -> insn.cls() == LDX && insn.mode() == PROBE_MEM32SX ? " ; probe_mem32sx" : "";
        };
    }

    private static String ldx(Insn insn) {
        boolean signExtend = insn.mode() == MEMSX || insn.mode() == PROBE_MEM32SX || insn.mode() == PROBE_MEMSX;
        String type = (signExtend ? "s" : "u") + 8 * sizeBytes(insn.size());
        // llvm-objdump --mcpu=v3/v4 (alu32) names the zero-extended destination of a narrow load wN
        String dst = reg(signExtend || insn.size() == DW, insn.dst());
        return dst + " = *(" + type + " *)" + address(insn.src(), insn.off()) + probeNote(insn);
    }

    private static String stx(Insn insn) {
        if (insn.mode() != ATOMIC && insn.mode() != PROBE_ATOMIC) {
            return mem(insn) + " = " + reg(insn.size() == DW, insn.src()) + probeNote(insn);
        }
        String note = insn.mode() == PROBE_ATOMIC ? " ; probe_atomic" : "";
        boolean is64 = insn.size() == DW;
        String bits = String.valueOf(8 * sizeBytes(insn.size()));
        String v = reg(is64, insn.src()); // operand, and destination of the fetching forms
        String addr = address(insn.dst(), insn.off());
        String typed = "(u" + bits + " *)" + addr;
        int imm = insn.imm();
        String text = switch (imm) {
            case XCHG -> v + " = xchg" + (is64 ? "" : "32") + "_" + bits + "(r" + insn.dst() + rest(insn.off()) + ", " + v + ")";
            case CMPXCHG -> reg(is64, 0) + " = cmpxchg" + (is64 ? "" : "32") + "_" + bits + "(r" + insn.dst() + rest(insn.off())
                + ", " + reg(is64, 0) + ", " + v + ")";
            case LOAD_ACQ -> reg(is64, insn.dst()) + " = load_acquire(" + "(u" + bits + " *)" + address(insn.src(), insn.off()) + ")";
            case STORE_REL -> "store_release(" + typed + ", " + v + ")";
            default -> (imm & FETCH) != 0
                ? v + " = atomic_fetch_" + AsmSyntax.atomicName(imm & ~FETCH) + "(" + typed + ", " + v + ")"
                : "lock *" + typed + " " + AsmSyntax.aluOperator(imm) + " " + v;
        };
        return text + note;
    }

    private static String rest(int off) {
        return (off < 0 ? " - " : " + ") + hex(Math.abs(off));
    }
}
