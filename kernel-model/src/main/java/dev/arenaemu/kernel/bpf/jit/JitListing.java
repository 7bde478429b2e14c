package dev.arenaemu.kernel.bpf.jit;

import dev.arenaemu.kernel.bpf.asm.Disassembler;
import dev.arenaemu.kernel.bpf.isa.Bpf;
import dev.arenaemu.kernel.bpf.isa.Insn;
import dev.arenaemu.kernel.bpf.verifier.InsnAux;
import dev.arenaemu.kernel.bpf.verifier.VerifiedProgram;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;

/**
 * A program as {@code bpftool prog dump xlated} and {@code dump jited} show it: the verifier's
 * rewritten instructions and the JIT image, with what in them is an address (and so differs from
 * one load, kernel or machine to the next) marked, so that two listings compare after masking
 * ({@link #maskedXlated()}, {@link #maskedImage()}).
 *
 * <p>Addresses in the xlated program: the imm of an ld_imm64 the verifier resolved to a map or a
 * map value, and the imm of a helper or kfunc call (the kernel stores the callee's offset from
 * {@code __bpf_call_base} there). In the image: rel32 of calls out of the image and of
 * bpf-to-bpf calls (each function is its own allocation in the kernel), imm64 of function
 * addresses, the immediates those ld_imm64 become, {@code kern_vm_start} loaded into r12 and
 * the upper half of {@code user_vm_start} in cast_user.
 */
public record JitListing(String name, List<Insn> xlated, BitSet xlatedImmMask, JitImage image, BitSet imageMask) {

    /** The listing of a verified program compiled with {@code options} (see {@link dev.arenaemu.kernel.bpf.BpfSyscall#jitOptions}). */
    public static JitListing of(String name, VerifiedProgram verified, JitOptions options) {
        List<Insn> insns = verified.program().insns();
        BitSet immMask = new BitSet();
        for (int i = 0; i < insns.size(); i++) {
            Insn in = insns.get(i);
            InsnAux aux = i < verified.aux().size() ? verified.aux().get(i) : InsnAux.NONE;
            if (in.isLdImm64()) {
                if (aux.map() != null) {
                    immMask.set(i);
                    immMask.set(i + 1);
                }
                i++;
            } else if (in.isCall() && in.src() != Bpf.PSEUDO_CALL) {
                immMask.set(i);
            }
        }
        JitImage image = BpfJit.compile(insns, options);
        return new JitListing(name, insns, immMask, image, imageMask(insns, immMask, image));
    }

    private static BitSet imageMask(List<Insn> insns, BitSet immMask, JitImage image) {
        byte[] code = image.code();
        BitSet mask = new BitSet(code.length);
        for (JitImage.Relocation r : image.relocations()) {
            int len = r instanceof JitImage.FunctionAddress ? 8 : 4;
            mask.set(r.offset(), r.offset() + len);
        }
        int[] offs = image.insnOffsets();
        for (int i = 0; i < insns.size(); i++) {
            Insn in = insns.get(i);
            if (in.isLdImm64() && immMask.get(i)) {
                long value = Insn.imm64(in, insns.get(i + 1));
                maskValue(code, mask, offs[i], end(image, i), value);
            }
            boolean castUser = in.opcode() == (Bpf.ALU64 | Bpf.MOV | Bpf.X) && in.off() == Bpf.ADDR_SPACE_CAST && in.imm() == 1 << 16;
            if (castUser) maskBytes(code, mask, offs[i], end(image, i), (int) (image.options().userVmStart() >>> 32), 4);
        }
        if (image.options().hasArena()) {
            // the prologue of every function ends with mov r12, kern_vm_start
            int[] fn = image.functionOffsets();
            for (int f = 0; f < fn.length; f++) {
                int bodyStart = firstInsnOffset(image, fn, f, code.length);
                maskValue(code, mask, fn[f], bodyStart, image.options().kernVmStart());
            }
        }
        return mask;
    }

    /** Where the x86 code of instruction {@code i} ends: the next start after its own. */
    private static int end(JitImage image, int i) {
        int[] offs = image.insnOffsets();
        for (int k = i + 1; k < offs.length; k++) if (offs[k] > offs[i]) return offs[k];
        return image.code().length;
    }

    private static int firstInsnOffset(JitImage image, int[] fn, int f, int codeLength) {
        int next = f + 1 < fn.length ? fn[f + 1] : codeLength;
        int best = next;
        for (int o : image.insnOffsets()) if (o >= fn[f] && o < best) best = o;
        return best;
    }

    /** Marks {@code value} in [from, to): as 8 bytes when present, else as its low 4 bytes. */
    private static void maskValue(byte[] code, BitSet mask, int from, int to, long value) {
        if (!maskBytes(code, mask, from, to, value, 8)) maskBytes(code, mask, from, to, value, 4);
    }

    private static boolean maskBytes(byte[] code, BitSet mask, int from, int to, long value, int width) {
        for (int at = to - width; at >= from; at--) {
            boolean hit = true;
            for (int k = 0; k < width && hit; k++) hit = code[at + k] == (byte) (value >>> (8 * k));
            if (hit) {
                mask.set(at, at + width);
                return true;
            }
        }
        return false;
    }

    /**
     * The xlated program as BPF_OBJ_GET_INFO_BY_FD hands it out: after JITing, jit_subprogs
     * (kernel/bpf/verifier.c) leaves each bpf-to-bpf call with the callee's subprogram index in
     * imm and the call's original pc-relative offset in off, so a dump can name the callee.
     * Subprograms are numbered by start, the main program being 0, as add_subprog sorts them;
     * an ld_imm64 of a function (BPF_PSEUDO_FUNC) starts one too.
     */
    public List<Insn> dumpedXlated() {
        TreeSet<Integer> starts = new TreeSet<>(List.of(0));
        for (int i = 0; i < xlated.size(); i++) {
            Insn in = xlated.get(i);
            if (isBpfToBpfCall(in) || in.isLdImm64() && in.src() == Bpf.PSEUDO_FUNC) starts.add(i + in.imm() + 1);
            if (in.isLdImm64()) i++;
        }
        List<Integer> index = List.copyOf(starts);
        List<Insn> out = new ArrayList<>(xlated);
        for (int i = 0; i < out.size(); i++) {
            Insn in = out.get(i);
            if (isBpfToBpfCall(in)) out.set(i, in.withOff(in.imm()).withImm(index.indexOf(i + in.imm() + 1)));
        }
        return out;
    }

    private static boolean isBpfToBpfCall(Insn in) {
        return in.isCall() && in.src() == Bpf.PSEUDO_CALL;
    }

    /** The xlated instructions with every address immediate zeroed. */
    public List<Insn> maskedXlated() {
        List<Insn> out = new ArrayList<>(xlated.size());
        for (int i = 0; i < xlated.size(); i++) out.add(xlatedImmMask.get(i) ? xlated.get(i).withImm(0) : xlated.get(i));
        return out;
    }

    /**
     * Function {@code f}'s masked code as the kernel keeps it, in its own allocation (no padding):
     * what to compare with the f-th image of BPF_OBJ_GET_INFO_BY_FD's jited_prog_insns, split by
     * jited_func_lens.
     */
    public byte[] maskedFunction(int f) {
        byte[] masked = maskedImage();
        int from = image.functionOffsets()[f];
        return Arrays.copyOfRange(masked, from, from + image.functionLengths()[f]);
    }

    /** The image with every address byte zeroed. */
    public byte[] maskedImage() {
        byte[] out = image.code().clone();
        for (int i = imageMask.nextSetBit(0); i >= 0; i = imageMask.nextSetBit(i + 1)) out[i] = 0;
        return out;
    }

    /** {@code bpftool prog dump xlated}: one line per instruction, "   i: (op) text". */
    public List<String> xlatedText() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < xlated.size(); i++) {
            Insn in = xlated.get(i);
            out.add(String.format("%4d: (%02x) %s", i, in.opcode(), Disassembler.insn(xlated, i)));
            if (in.isLdImm64()) i++;
        }
        return out;
    }

    /**
     * {@code bpftool prog dump jited opcodes}: per function a label, per BPF instruction a
     * {@code ; insn} comment, then each x86 instruction with its offset, bytes and AT&T text.
     * Masked bytes print as {@code ..} when {@code masked}.
     */
    public List<String> jitedText(boolean masked) {
        List<String> out = new ArrayList<>();
        byte[] code = image.code();
        int[] fn = image.functionOffsets();
        int[] offs = image.insnOffsets();
        int[] insnAt = new int[code.length + 1];
        Arrays.fill(insnAt, -1);
        for (int i = offs.length - 1; i >= 0; i--) if (offs[i] >= 0 && (i == 0 || !xlated.get(i - 1).isLdImm64())) insnAt[offs[i]] = i;
        int f = 0;
        for (X86Disassembler.Line line : X86Disassembler.disassemble(code, 0)) {
            while (f < fn.length && fn[f] <= line.offset()) {
                out.add((f == 0 ? "" : "\n") + "bpf_prog_" + name + (f == 0 ? "" : "_F" + f) + ":");
                f++;
            }
            int i = insnAt[line.offset()];
            if (i >= 0) {
                for (int k = i; k < offs.length && offs[k] == line.offset(); k++) {
                    if (k > 0 && xlated.get(k - 1).isLdImm64()) continue;
                    out.add(String.format("; %d: %s", k, Disassembler.insn(xlated, k)));
                    if (xlated.get(k).isLdImm64()) k++;
                }
            }
            StringBuilder bytes = new StringBuilder();
            for (int k = 0; k < line.bytes().length; k++) {
                if (k > 0) bytes.append(' ');
                int at = line.offset() + k;
                bytes.append(masked && imageMask.get(at) ? ".." : HexFormat.of().toHexDigits(code[at]));
            }
            out.add(String.format("%5x:\t%-32s\t%s", line.offset(), bytes, line.text()));
        }
        return out;
    }

    /** The raw image in hex, 16 bytes a line with the offset, masked bytes as {@code ..} when {@code masked}. */
    public List<String> bytesText(boolean masked) {
        List<String> out = new ArrayList<>();
        byte[] code = image.code();
        for (int at = 0; at < code.length; at += 16) {
            StringBuilder sb = new StringBuilder(String.format("%5x:", at));
            for (int k = at; k < Math.min(at + 16, code.length); k++) {
                sb.append(' ').append(masked && imageMask.get(k) ? ".." : HexFormat.of().toHexDigits(code[k]));
            }
            out.add(sb.toString());
        }
        return out;
    }
}
