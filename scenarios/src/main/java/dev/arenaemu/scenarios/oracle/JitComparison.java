package dev.arenaemu.scenarios.oracle;

import dev.arenaemu.kernel.bpf.asm.Disassembler;
import dev.arenaemu.kernel.bpf.isa.Bpf;
import dev.arenaemu.kernel.bpf.isa.Insn;
import dev.arenaemu.kernel.bpf.jit.CallTarget;
import dev.arenaemu.kernel.bpf.jit.JitImage;
import dev.arenaemu.kernel.bpf.jit.JitListing;
import dev.arenaemu.kernel.bpf.jit.X86Disassembler;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * One program's images, the real kernel's (BPF_OBJ_GET_INFO_BY_FD) against the emulator's
 * {@link JitListing}, after the documented masks only (docs/oracle.md, "JIT images"):
 * <ul>
 * <li>xlated: the kernel's dump form is applied to the emulator's instructions
 *     ({@link JitListing#dumpedXlated()}: bpf-to-bpf calls as jit_subprogs leaves them;
 *     bpf_insn_prepare_dump: PROBE_MEM/PROBE_MEM32 loads and stores shown as MEM); then the
 *     src and imm of both slots of an ld_imm64 the verifier resolved to a map (the kernel shows
 *     the map's id and the value offset) and the imm of helper and kfunc calls (an address
 *     relative to __bpf_call_base) are ignored;</li>
 * <li>jited: function by function (each is its own allocation, jited_func_lens), the bytes the
 *     listing marks as addresses (kern_vm_start, map addresses, user_vm_start's upper half in
 *     cast_user, call rel32s) are ignored; a bpf-to-bpf call's rel32 is resolved with
 *     jited_ksyms to the function it reaches, which must be the emulator's, and a kfunc call's
 *     with the kernel's symbols to the kfunc it reaches, which must be the one called here.</li>
 * </ul>
 */
public final class JitComparison {
    private JitComparison() {}

    /**
     * What the kernel showed of one program: its dump (xlated), its image (jited) split by func
     * lens, its ksyms, and the kernel's symbols by address (the arena kfuncs from /proc/kallsyms;
     * empty: kfunc call targets stay masked).
     */
    public record KernelImages(List<Insn> xlated, byte[] jited, int[] funcLens, long[] ksyms, Map<Long, String> symbols) {
        public KernelImages(List<Insn> xlated, byte[] jited, int[] funcLens, long[] ksyms) {
            this(xlated, jited, funcLens, ksyms, Map.of());
        }
    }

    /** One side's difference, or null when identical. */
    public record Result(String xlatedDiff, String jitedDiff) {
        public boolean xlatedIdentical() {
            return xlatedDiff == null;
        }

        public boolean jitedIdentical() {
            return jitedDiff == null;
        }
    }

    public static Result compare(JitListing emu, KernelImages kernel) {
        return new Result(xlated(emu, kernel.xlated()), jited(emu, kernel));
    }

    /** bpf_insn_prepare_dump's view of an instruction (the part that does not depend on the map). */
    static Insn dumpForm(Insn in) {
        int cls = in.opcode() & 0x07, mode = in.opcode() & 0xE0, size = in.opcode() & 0x18;
        boolean probeMem = cls == Bpf.LDX && mode == Bpf.PROBE_MEM;
        boolean probeMem32 = (cls == Bpf.LDX || cls == Bpf.STX || cls == Bpf.ST) && mode == Bpf.PROBE_MEM32;
        return probeMem || probeMem32 ? in.withOpcode(cls | size | Bpf.MEM) : in;
    }

    static String xlated(JitListing emu, List<Insn> kernel) {
        List<Insn> mine = emu.dumpedXlated();
        BitSet mask = emu.xlatedImmMask();
        int n = Math.max(mine.size(), kernel.size());
        for (int i = 0; i < n; i++) {
            if (i >= mine.size()) return "insn " + i + ": the emulator's program ends (" + mine.size() + " insns); kernel: " + text(kernel, i);
            if (i >= kernel.size()) return "insn " + i + ": the kernel's program ends (" + kernel.size() + " insns); emulator: " + text(mine, i);
            Insn a = dumpForm(mine.get(i)), b = kernel.get(i);
            if (mask.get(i)) {
                boolean call = a.isCall() || a.opcode() == (Bpf.JMP | Bpf.CALL);
                a = call ? a.withImm(0) : a.withImm(0).withSrc(0);
                b = call ? b.withImm(0) : b.withImm(0).withSrc(0);
            }
            if (!a.equals(b)) return "insn " + i + ": emulator " + text(mine, i) + " | kernel " + text(kernel, i);
        }
        return null;
    }

    private static String text(List<Insn> insns, int i) {
        String hex = String.format("%016x", Long.reverseBytes(insns.get(i).encode()));
        String t;
        try {
            t = Disassembler.insn(insns, i);
        } catch (RuntimeException e) {
            t = "?";
        }
        return "(" + hex + ") " + t;
    }

    static String jited(JitListing emu, KernelImages kernel) {
        JitImage image = emu.image();
        int[] offs = image.functionOffsets(), lens = image.functionLengths();
        if (kernel.funcLens().length != offs.length && !(kernel.funcLens().length == 0 && offs.length == 1)) {
            return "functions: emulator " + offs.length + ", kernel " + kernel.funcLens().length;
        }
        int kernelAt = 0;
        for (int f = 0; f < offs.length; f++) {
            int klen = kernel.funcLens().length == 0 ? kernel.jited().length : kernel.funcLens()[f];
            if (kernelAt + klen > kernel.jited().length) return "function " + f + ": the kernel's image is shorter than its func lens";
            byte[] theirs = java.util.Arrays.copyOfRange(kernel.jited(), kernelAt, kernelAt + klen);
            String d = function(emu, f, offs[f], lens[f], theirs, kernel);
            if (d != null) return (offs.length > 1 ? "function " + f + ", " : "") + d;
            kernelAt += klen;
        }
        return null;
    }

    private static String function(JitListing emu, int f, int from, int len, byte[] theirs, KernelImages kernel) {
        long[] ksyms = kernel.ksyms();
        byte[] mine = java.util.Arrays.copyOfRange(emu.image().code(), from, from + len);
        BitSet mask = emu.imageMask().get(from, from + len);
        List<X86Disassembler.Line> lines = X86Disassembler.disassemble(mine, 0);
        for (X86Disassembler.Line l : lines) {
            int o = l.offset();
            boolean same = o + l.bytes().length <= theirs.length;
            for (int k = 0; same && k < l.bytes().length; k++) same = mask.get(o + k) || mine[o + k] == theirs[o + k];
            if (!same) return "at 0x" + Integer.toHexString(o) + ": emulator " + l.hex() + "  " + l.text() + " | kernel " + kernelLine(theirs, o);
        }
        if (theirs.length > mine.length) return "at 0x" + Integer.toHexString(mine.length) + ": the emulator's function ends; kernel " + kernelLine(theirs, mine.length);
        // a kfunc call must reach the same kernel function: its rel32 resolved with the kernel's symbols
        for (JitImage.Relocation r : emu.image().relocations()) {
            if (!(r instanceof JitImage.CallOut c) || !(c.target() instanceof CallTarget.KfuncCall k) || c.offset() < from
                || c.offset() >= from + len || ksyms.length <= f || kernel.symbols().isEmpty()) continue;
            int at = c.offset() - from;
            long target = ksyms[f] + at + 4 + (long) readInt(theirs, at);
            String reached = kernel.symbols().getOrDefault(target, "0x" + Long.toHexString(target));
            // the verifier's specialize_kfunc already chose the variant (the _non_sleepable one in a non-sleepable context, E4+)
            String expected = k.kfunc().symbol;
            if (!reached.equals(expected)) return "at 0x" + Integer.toHexString(at - 1) + ": the call reaches " + expected + " here, " + reached + " on the kernel";
        }
        // a bpf-to-bpf call must reach the same function: its rel32 resolved through jited_ksyms
        for (JitImage.Relocation r : emu.image().relocations()) {
            if (!(r instanceof JitImage.CallFunction c) || c.offset() < from || c.offset() >= from + len || ksyms.length <= f) continue;
            int at = c.offset() - from;
            long target = ksyms[f] + at + 4 + (long) readInt(theirs, at);
            int reached = -1;
            for (int k = 0; k < ksyms.length; k++) if (ksyms[k] == target) reached = k;
            if (reached != c.function()) return "at 0x" + Integer.toHexString(at - 1) + ": the call reaches function " + c.function()
                + " here, " + (reached < 0 ? "no function's start" : "function " + reached) + " on the kernel";
        }
        return null;
    }

    private static int readInt(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16 | b[at + 3] << 24;
    }

    /** The kernel's instruction that covers offset {@code at}, disassembled (raw bytes when the disassembler does not know it). */
    static String kernelLine(byte[] theirs, int at) {
        if (at >= theirs.length) return "(its function ends at 0x" + Integer.toHexString(theirs.length) + ")";
        for (X86Disassembler.Line l : X86Disassembler.disassemble(theirs, 0)) {
            if (l.offset() <= at && at < l.offset() + l.bytes().length) {
                return (l.offset() != at ? "@0x" + Integer.toHexString(l.offset()) + " " : "") + l.hex() + "  " + l.text();
            }
        }
        return HexFormat.of().formatHex(theirs, at, Math.min(theirs.length, at + 8));
    }

    /** struct bpf_insn slots from the xlated bytes. */
    static List<Insn> insns(byte[] xlated) {
        List<Insn> out = new ArrayList<>();
        for (int i = 0; i + 8 <= xlated.length; i += 8) {
            long raw = 0;
            for (int k = 7; k >= 0; k--) raw = raw << 8 | (xlated[i + k] & 0xFF);
            out.add(Insn.decode(raw));
        }
        return out;
    }
}
