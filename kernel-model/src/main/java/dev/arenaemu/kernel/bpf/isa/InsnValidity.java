package dev.arenaemu.kernel.bpf.isa;

import static dev.arenaemu.kernel.bpf.isa.Bpf.*;

import java.util.List;
import java.util.Optional;

/**
 * Which 64-bit slots are instructions of RFC 9669 (plus the kernel's own BPF_ADDR_SPACE_CAST,
 * load-acquire/store-release and, on request, the verifier-internal PROBE modes). The checks
 * follow the reserved-field rules of the kernel's check_alu_op / check_mem_access /
 * do_check ("BPF_MOV uses reserved fields", "unknown opcode %02x", ...).
 */
public final class InsnValidity {
    private InsnValidity() {}

    /** Why slot {@code index} of {@code insns} is not a valid instruction, or empty. */
    public static Optional<String> problem(List<Insn> insns, int index, boolean allowKernelInternal) {
        Insn insn = insns.get(index);
        String why = switch (insn.cls()) {
            case ALU, ALU64 -> alu(insn);
            case JMP, JMP32 -> jmp(insn);
            case LD -> ld(insns, index);
            case LDX -> ldx(insn, allowKernelInternal);
            case ST -> insn.mode() == MEM && insn.src() == 0 ? null : unknown(insn);
            case STX -> stx(insn, allowKernelInternal);
            default -> throw new AssertionError();
        };
        return Optional.ofNullable(why);
    }

    public static boolean isValid(List<Insn> insns, int index) {
        return problem(insns, index, false).isEmpty();
    }

    private static String unknown(Insn insn) {
        return String.format("unknown opcode %02x", insn.opcode());
    }

    private static String alu(Insn insn) {
        int op = insn.op();
        boolean x = insn.source() == X;
        boolean is64 = insn.cls() == ALU64;
        if (op > END) return unknown(insn);
        if (op == END) {
            if (is64 && x) return unknown(insn);
            if (insn.src() != 0 || insn.off() != 0) return "BPF_END uses reserved fields";
            return insn.imm() == 16 || insn.imm() == 32 || insn.imm() == 64 ? null : "BPF_END uses reserved fields";
        }
        if (op == NEG) {
            return !x && insn.src() == 0 && insn.off() == 0 && insn.imm() == 0 ? null : "BPF_NEG uses reserved fields";
        }
        if (op == MOV) {
            if (!x) return insn.src() == 0 && insn.off() == 0 ? null : "BPF_MOV uses reserved fields";
            if (insn.isAddrSpaceCast()) return null; // imm is checked by the verifier with its own message
            boolean offOk = insn.off() == 0 || insn.off() == 8 || insn.off() == 16 || (is64 && insn.off() == 32);
            return offOk && insn.imm() == 0 ? null : "BPF_MOV uses reserved fields";
        }
        boolean signedDivMod = (op == DIV || op == MOD) && insn.off() == 1;
        if (insn.off() != 0 && !signedDivMod) return "BPF_ALU uses reserved fields";
        if (x ? insn.imm() != 0 : insn.src() != 0) return "BPF_ALU uses reserved fields";
        return null;
    }

    private static String jmp(Insn insn) {
        int op = insn.op();
        boolean x = insn.source() == X;
        if (op > JSLE) return unknown(insn);
        if (op == CALL || op == EXIT) {
            if (insn.cls() == JMP32 || x) return unknown(insn);
            if (op == EXIT) return insn.src() == 0 && insn.dst() == 0 && insn.off() == 0 && insn.imm() == 0 ? null : "BPF_EXIT uses reserved fields";
            boolean srcOk = insn.src() == 0 || insn.src() == PSEUDO_CALL || insn.src() == PSEUDO_KFUNC_CALL;
            return srcOk && insn.dst() == 0 && insn.off() == 0 ? null : "BPF_CALL uses reserved fields";
        }
        if (op == JA) {
            if (x || insn.src() != 0 || insn.dst() != 0) return "BPF_JA uses reserved fields";
            // JMP|JA jumps by off; JMP32|JA ("gotol") jumps by imm
            return insn.cls() == JMP ? (insn.imm() == 0 ? null : "BPF_JA uses reserved fields")
                : (insn.off() == 0 ? null : "BPF_JA uses reserved fields");
        }
        if (x ? insn.imm() != 0 : insn.src() != 0) return "BPF_JMP/JMP32 uses reserved fields";
        return null;
    }

    private static String ld(List<Insn> insns, int index) {
        Insn insn = insns.get(index);
        if (insn.mode() == ABS || insn.mode() == IND) {
            // legacy packet access (RFC 9669 §5.5), check_ld_abs's reserved-field rule
            boolean reserved = insn.dst() != 0 || insn.off() != 0 || insn.size() == DW || (insn.mode() == ABS && insn.src() != 0);
            return reserved ? "BPF_LD_[ABS|IND] uses reserved fields" : null;
        }
        if (!insn.isLdImm64()) return unknown(insn);
        if (insn.off() != 0 || insn.src() > PSEUDO_MAP_IDX_VALUE) return "invalid bpf_ld_imm64 insn";
        if (index + 1 >= insns.size()) return "invalid bpf_ld_imm64 insn";
        Insn second = insns.get(index + 1);
        boolean secondOk = second.opcode() == 0 && second.dst() == 0 && second.src() == 0 && second.off() == 0;
        return secondOk ? null : "invalid bpf_ld_imm64 insn";
    }

    private static String ldx(Insn insn, boolean kernelInternal) {
        if (insn.imm() != 0) return "BPF_LDX uses reserved fields";
        return switch (insn.mode()) {
            case MEM -> null;
            case MEMSX -> insn.size() != DW ? null : unknown(insn);
            case PROBE_MEM32, PROBE_MEM -> kernelInternal ? null : unknown(insn);
            case PROBE_MEM32SX, PROBE_MEMSX -> kernelInternal && insn.size() != DW ? null : unknown(insn);
            default -> unknown(insn);
        };
    }

    private static String stx(Insn insn, boolean kernelInternal) {
        int mode = insn.mode();
        if (mode == MEM || (kernelInternal && mode == PROBE_MEM32)) {
            return insn.imm() == 0 ? null : "BPF_STX uses reserved fields";
        }
        if (mode != ATOMIC && !(kernelInternal && mode == PROBE_ATOMIC)) return unknown(insn);
        int imm = insn.imm();
        if (imm == LOAD_ACQ || imm == STORE_REL) return null; // every size (check_atomic_load/store)
        if (insn.size() != W && insn.size() != DW) return "invalid atomic operand size";
        boolean known = switch (imm & ~FETCH) {
            case ADD, OR, AND, XOR -> true;
            default -> imm == XCHG || imm == CMPXCHG;
        };
        return known ? null : String.format("BPF_ATOMIC uses invalid atomic opcode %02x", imm);
    }
}
