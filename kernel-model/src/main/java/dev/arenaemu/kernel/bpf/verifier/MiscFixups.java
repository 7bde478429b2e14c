package dev.arenaemu.kernel.bpf.verifier;

import dev.arenaemu.kernel.bpf.isa.Insn;

import java.util.ArrayList;
import java.util.List;

import static dev.arenaemu.kernel.bpf.isa.Bpf.*;

/**
 * The verifier's late rewrites that insert BPF instructions, so that the xlated program (what
 * {@code bpftool prog dump xlated} shows) holds them and the JIT compiles them like any other
 * instruction:
 *
 * <ul>
 *   <li>{@code do_misc_fixups}, "Make sdiv/smod divide-by-minus-one exceptions impossible": a
 *       signed {@code / -1} by immediate becomes {@code dst = -dst}, {@code % -1} becomes
 *       {@code w_dst = 0}.</li>
 *   <li>{@code do_misc_fixups}, "Make divide-by-zero and divide-by-minus-one exceptions
 *       impossible": every division/modulo by a register gets the kernel's patchlet
 *       ({@code chk_and_div}, {@code chk_and_mod}, {@code chk_and_sdiv}, {@code chk_and_smod};
 *       the 64-bit mod forms drop the last two instructions), the signed ones through
 *       BPF_REG_AX.</li>
 *   <li>{@code opt_subreg_zext_lo32_rnd_hi32}: a zero-extension {@code BPF_ZEXT_REG(r0)}
 *       ({@code w0 = w0} with imm 1) after a 32-bit {@code BPF_ATOMIC} cmpxchg. The kernel inserts it
 *       only when R0's upper half is read afterwards (insn_aux_data.zext_dst); that liveness is not
 *       modelled, so it is inserted after every one. Whether a 32-bit arena cmpxchg (mode
 *       PROBE_ATOMIC by then) gets one too differs between kernels
 *       ({@link dev.arenaemu.kernel.KernelEra#zextsArenaCmpxchg()}).</li>
 * </ul>
 *
 * <p>Instructions are inserted as {@code bpf_patch_insn_data} does: a jump (or a bpf-to-bpf call,
 * or an ld_imm64 of a function address) whose target is a patched instruction lands on the first
 * instruction of its patch; the patches' own jumps are relative and stay as they are.
 */
public final class MiscFixups {
    private MiscFixups() {}

    /** {@code insns} after the fix-ups and, for each old index, the new index of its first instruction. */
    public record Result(List<Insn> insns, int[] newIndex) {
        public int map(int oldIndex) {
            return oldIndex == newIndex.length ? insns.size() : newIndex[oldIndex];
        }
    }

    /** The fix-ups with a zero-extension after every 32-bit cmpxchg (programs that skip the verifier). */
    public static Result apply(List<Insn> insns) {
        return apply(insns, false, false);
    }

    /**
     * The fix-ups; with {@code zextLiveness} a 32-bit cmpxchg gets its zero-extension only when R0
     * may be read as a 64-bit value before it is written again (the verifier's
     * insn_aux_data.zext_dst, here from the control-flow graph: {@link #r0ReadAs64(List, int)}).
     */
    public static Result apply(List<Insn> insns, boolean zextLiveness, boolean arenaCmpxchgZext) {
        List<List<Insn>> patches = new ArrayList<>(insns.size());
        for (int i = 0; i < insns.size(); i++) {
            Insn in = insns.get(i);
            List<Insn> p = patch(in, arenaCmpxchgZext);
            if (zextLiveness && p.size() == 2 && p.getFirst() == in && isCmpxchg32(in, arenaCmpxchgZext) && !r0ReadAs64(insns, i)) {
                p = List.of(in);
            }
            patches.add(p);
            if (in.isLdImm64() && i + 1 < insns.size()) {
                patches.add(List.of(insns.get(++i)));
            }
        }
        return splice(insns, patches);
    }

    /**
     * opt_remove_nops (privileged loads only, before the other rewrites): every
     * {@code goto +0} ({@code BPF_JMP_IMM(BPF_JA, 0, 0, 0)}, all other fields zero) is removed;
     * a jump that targeted one lands on the instruction after it (bpf_remove_insns). The
     * {@code newIndex} of a removed instruction is that of the next one kept.
     */
    public static Result removeNops(List<Insn> insns) {
        Insn nop = new Insn(JMP | JA, 0, 0, 0, 0);
        List<List<Insn>> patches = new ArrayList<>(insns.size());
        for (int i = 0; i < insns.size(); i++) {
            Insn in = insns.get(i);
            patches.add(in.equals(nop) ? List.of() : List.of(in));
            if (in.isLdImm64() && i + 1 < insns.size()) {
                patches.add(List.of(insns.get(++i)));   // data, whatever it looks like
            }
        }
        return splice(insns, patches);
    }

    /**
     * The program with instruction {@code i} replaced by {@code patches.get(i)} (empty: removed),
     * as bpf_patch_insn_data and bpf_remove_insns leave it: an instruction that is its own patch
     * keeps its place in the new program and gets its jump retargeted ({@link #retarget}); the
     * second slot of an ld_imm64 is data and stays as it is. A jump to a patched instruction
     * lands on the first instruction of its patch, to a removed one on the next one kept.
     */
    private static Result splice(List<Insn> insns, List<List<Insn>> patches) {
        int[] newIndex = new int[insns.size()];
        boolean changed = false;
        int at = 0;
        for (int i = 0; i < patches.size(); i++) {
            newIndex[i] = at;
            at += patches.get(i).size();
            changed |= !unpatched(patches.get(i), insns.get(i));
        }
        if (!changed) return new Result(List.copyOf(insns), newIndex);   // newIndex is the identity then
        List<Insn> out = new ArrayList<>(at);
        for (int i = 0; i < patches.size(); i++) {
            Insn in = insns.get(i);
            List<Insn> p = patches.get(i);
            if (unpatched(p, in)) out.add(retarget(in, i, newIndex, insns.size(), at));
            else out.addAll(p);   // patch-internal offsets are relative to the patch and need nothing
            if (in.isLdImm64() && i + 1 < insns.size()) out.add(insns.get(++i));   // its second slot
        }
        return new Result(List.copyOf(out), newIndex);
    }

    private static boolean unpatched(List<Insn> patch, Insn in) {
        return patch.size() == 1 && patch.getFirst() == in;
    }

    /** bpf_adj_branches for one unpatched instruction at old index {@code i}. */
    private static Insn retarget(Insn in, int i, int[] newIndex, int n, int newLength) {
        int cls = in.cls();
        int op = in.opcode() & 0xF0;
        boolean jump = (cls == JMP || cls == JMP32) && op != CALL && op != EXIT;
        boolean pseudoCall = in.isCall() && in.src() == PSEUDO_CALL;
        boolean funcAddr = in.isLdImm64() && in.src() == PSEUDO_FUNC;
        if (!jump && !pseudoCall && !funcAddr) return in;
        boolean viaImm = !jump || in.opcode() == (JMP32 | JA);
        int off = viaImm ? in.imm() : in.off();
        int target = i + 1 + off;
        if (target < 0 || target > n) return in;   // out of range: left for the JIT to report
        int newTarget = target == n ? newLength : newIndex[target];
        int newOff = newTarget - (newIndex[i] + 1);
        if (newOff == off) return in;
        if (!viaImm && newOff != (short) newOff) throw new VerifierException(dev.arenaemu.kernel.Errno.ERANGE, i, "insn " + i + " cannot be patched: jump offset " + newOff + " out of range");
        return viaImm ? in.withImm(newOff) : new Insn(in.opcode(), in.dst(), in.src(), newOff, in.imm());
    }

    /**
     * Whether some path from after instruction {@code at} reads R0 as a 64-bit value (is_reg64:
     * ALU64 and JMP operands, pointers of loads and stores, the source of a DW store, exit's return
     * value) before an instruction writes R0 (any ALU/load/call/fetching atomic defining it; a
     * 32-bit write moves the subregister definition away from {@code at}).
     */
    static boolean r0ReadAs64(List<Insn> insns, int at) {
        int n = insns.size();
        boolean[] seen = new boolean[n];
        java.util.ArrayDeque<Integer> work = new java.util.ArrayDeque<>();
        work.add(at + 1);
        while (!work.isEmpty()) {
            int i = work.poll();
            if (i < 0 || i >= n || seen[i]) continue;
            seen[i] = true;
            Insn in = insns.get(i);
            if (reads64(in)) return true;
            if (definesR0(in)) continue;
            int cls = in.cls(), op = in.opcode() & 0xF0;
            if (in.isLdImm64()) {
                work.add(i + 2);
            } else if ((cls == JMP || cls == JMP32) && op != CALL) {
                if (op == EXIT) continue;
                int off = in.opcode() == (JMP32 | JA) ? in.imm() : in.off();
                work.add(i + 1 + off);
                if (op != JA) work.add(i + 1);
            } else {
                work.add(i + 1);
            }
        }
        return false;
    }

    private static boolean reads64(Insn in) {
        int cls = in.cls(), op = in.opcode() & 0xF0;
        boolean x = (in.opcode() & X) != 0;
        return switch (cls) {
            case ALU64 -> (op != MOV && in.dst() == 0) || (x && in.src() == 0);
            case ALU -> op == END && in.imm() == 64 && in.dst() == 0;
            case JMP -> op == EXIT || (op != CALL && op != JA && (in.dst() == 0 || (x && in.src() == 0)));
            case LDX -> in.src() == 0;
            case ST -> in.dst() == 0;
            case STX -> in.mode() != MEM && in.imm() == LOAD_ACQ ? in.src() == 0      // dst = load_acquire(src + off)
                : in.dst() == 0 || (in.src() == 0 && in.size() == DW) || (in.imm() == CMPXCHG && in.size() == DW && in.mode() != MEM);
            default -> false;
        };
    }

    private static boolean definesR0(Insn in) {
        int cls = in.cls();
        return switch (cls) {
            case ALU, ALU64, LDX -> in.dst() == 0;
            case LD -> in.isLdImm64() && in.dst() == 0;
            case JMP -> in.isCall();
            case STX -> in.mode() != MEM && (in.imm() == CMPXCHG || ((in.imm() & FETCH) != 0 && in.src() == 0)
                || (in.imm() == LOAD_ACQ && in.dst() == 0));
            default -> false;
        };
    }

    /** is_cmpxchg_insn on a 32-bit cmpxchg; the arena (PROBE_ATOMIC) form counts when {@code arena}. */
    private static boolean isCmpxchg32(Insn in, boolean arena) {
        return in.imm() == CMPXCHG && (in.opcode() == (STX | ATOMIC | W) || arena && in.opcode() == (STX | PROBE_ATOMIC | W));
    }

    private static List<Insn> patch(Insn in, boolean arenaCmpxchgZext) {
        int code = in.opcode();
        int cls = in.cls();
        boolean alu = cls == ALU || cls == ALU64;
        int op = code & 0xF0;
        if (alu && (op == DIV || op == MOD)) {
            boolean is64 = cls == ALU64;
            boolean isdiv = op == DIV;
            boolean x = (code & X) != 0;
            int aluCls = is64 ? ALU64 : ALU;
            int jmpCls = is64 ? JMP : JMP32;
            int d = in.dst(), s = in.src();
            if (!x) {
                if (in.off() == 1 && in.imm() == -1) {
                    return List.of(isdiv ? new Insn(aluCls | NEG | K, d, 0, 0, 0) : mov32Imm(d, 0));
                }
                return List.of(in);
            }
            if (isdiv && in.off() == 1) {                       // chk_and_sdiv
                return List.of(
                    mov64Reg(AX, s),
                    new Insn(aluCls | ADD | K, AX, 0, 0, 1),
                    new Insn(jmpCls | JGT | K, AX, 0, 4, 1),
                    new Insn(jmpCls | JEQ | K, AX, 0, 1, 0),
                    new Insn(aluCls | MOV | K, d, 0, 0, 0),
                    new Insn(aluCls | NEG | K, d, 0, 0, 0),
                    ja(1),
                    in);
            }
            if (in.off() == 1) {                                // chk_and_smod
                List<Insn> p = new ArrayList<>(List.of(
                    mov64Reg(AX, s),
                    new Insn(aluCls | ADD | K, AX, 0, 0, 1),
                    new Insn(jmpCls | JGT | K, AX, 0, 3, 1),
                    new Insn(jmpCls | JEQ | K, AX, 0, 3 + (is64 ? 0 : 1), 1),
                    mov32Imm(d, 0),
                    ja(1),
                    in));
                if (!is64) {
                    p.add(ja(1));
                    p.add(mov32Reg(d, d));
                }
                return List.copyOf(p);
            }
            if (isdiv) {                                        // chk_and_div
                return List.of(
                    new Insn(jmpCls | JNE | K, s, 0, 2, 0),
                    new Insn(ALU | XOR | X, d, d, 0, 0),
                    ja(1),
                    in);
            }
            if (is64) {                                         // chk_and_mod, 64-bit: the last two dropped
                return List.of(new Insn(jmpCls | JEQ | K, s, 0, 1, 0), in);
            }
            return List.of(                                     // chk_and_mod, 32-bit
                new Insn(jmpCls | JEQ | K, s, 0, 2, 0),
                in,
                ja(1),
                mov32Reg(d, d));
        }
        if (isCmpxchg32(in, arenaCmpxchgZext)) {
            return List.of(in, new Insn(ALU | MOV | X, 0, 0, 0, 1));   // BPF_ZEXT_REG(BPF_REG_0)
        }
        return List.of(in);
    }

    /** BPF_REG_AX, the kernel-internal scratch register (MAX_BPF_REG). */
    public static final int AX = 11;

    private static Insn mov64Reg(int d, int s) { return new Insn(ALU64 | MOV | X, d, s, 0, 0); }
    private static Insn mov32Reg(int d, int s) { return new Insn(ALU | MOV | X, d, s, 0, 0); }
    private static Insn mov32Imm(int d, int imm) { return new Insn(ALU | MOV | K, d, 0, 0, imm); }
    private static Insn ja(int off) { return new Insn(JMP | JA, 0, 0, off, 0); }
}
