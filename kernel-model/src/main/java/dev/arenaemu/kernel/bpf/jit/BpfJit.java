package dev.arenaemu.kernel.bpf.jit;

import dev.arenaemu.emulator.x86.X86Assembler;
import dev.arenaemu.emulator.x86.X86Assembler.Alu;
import dev.arenaemu.emulator.x86.X86Assembler.Cond;
import dev.arenaemu.emulator.x86.X86Assembler.Label;
import dev.arenaemu.emulator.x86.X86Assembler.Mem;
import dev.arenaemu.emulator.x86.X86Assembler.Shift;
import dev.arenaemu.kernel.bpf.isa.Bpf;
import dev.arenaemu.kernel.bpf.isa.Insn;
import dev.arenaemu.kernel.bpf.isa.Kfunc;
import dev.arenaemu.kernel.bpf.verifier.MiscFixups;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

import static dev.arenaemu.emulator.x86.X86Assembler.*;
import static dev.arenaemu.kernel.bpf.jit.BpfRegisterMap.AUX_REG;
import static dev.arenaemu.kernel.bpf.jit.BpfRegisterMap.BPF_REG_AX;

/**
 * The x86-64 BPF JIT, following {@code do_jit} / {@code bpf_int_jit_compile} of
 * arch/x86/net/bpf_jit_comp.c (docs/semantics.md#jit): same register map, prologue and epilogue, same
 * instruction selection, the PROBE_MEM32 / PROBE_ATOMIC SIB forms {@code [base + r12 + off]}
 * with one exception-table entry each, and the multi-pass layout where every pass re-emits the
 * program with jump offsets from the previous pass until the size stops changing.
 *
 * <p>Input is a program as the verifier leaves it (the xlated program): arena accesses already
 * carry the PROBE modes, cast_kern is a 32-bit move, and the divide/modulo guards of
 * {@code do_misc_fixups} and the zero-extension after a 32-bit cmpxchg are BPF instructions
 * ({@link MiscFixups}). A raw program ({@link JitOptions#xlated()} false) gets those fix-ups here
 * first, so the image is the one the kernel would produce after its verifier. Each subprogram is
 * jitted as its own function with its own stack depth, as {@code jit_subprogs} does, and all
 * functions share one image. Encodings that differ between kernel versions come from
 * {@link JitOptions#era()}, those that depend on the CPU and the build from
 * {@link JitOptions#profile()}.
 */
public final class BpfJit {
    static final int MAX_PASSES = 20;
    /** From this pass on, jumps that would shrink are padded with NOPs (jmp_padding) so the image converges. */
    static final int PADDING_PASSES = MAX_PASSES - 5;
    private static final int X86_PATCH_SIZE = 5;
    private static final int PSEUDO_FUNC_SRC = Bpf.PSEUDO_FUNC;
    /** BPF_NOSPEC (include/linux/filter.h): BPF_ST | BPF_NOSPEC is a speculation barrier. */
    static final int NOSPEC = 0xC0;

    private final List<Insn> insns;
    private final JitOptions options;

    private BpfJit(List<Insn> insns, JitOptions options) {
        this.insns = options.xlated() ? List.copyOf(insns) : MiscFixups.apply(insns).insns();
        this.options = options;
    }

    public static JitImage compile(List<Insn> insns, JitOptions options) {
        return new BpfJit(insns, options).compile();
    }

    /** The instructions the JIT compiles for {@code insns}: the input, or its fix-ups when it is not xlated. */
    public static List<Insn> xlated(List<Insn> insns, JitOptions options) {
        return options.xlated() ? List.copyOf(insns) : MiscFixups.apply(insns).insns();
    }

    private JitImage compile() {
        if (insns.isEmpty()) throw new JitException("empty program");
        int[] starts = functionStarts(insns);
        X86Assembler image = new X86Assembler();
        List<JitImage.Relocation> relocs = new ArrayList<>();
        List<ExceptionTableEntry> extable = new ArrayList<>();
        int[] functionOffsets = new int[starts.length];
        int[] functionLengths = new int[starts.length];
        int[] insnOffsets = new int[insns.size()];
        Arrays.fill(insnOffsets, -1);
        for (int f = 0; f < starts.length; f++) {
            int end = f + 1 < starts.length ? starts[f + 1] : insns.size();
            while (image.position() % 16 != 0) image.emit8(0xCC);   // int3 padding between functions
            functionOffsets[f] = image.position();
            Function fn = new Function(starts[f], end, starts, options.stackDepthOf(f));
            Pass pass = fn.converge();
            int base = image.position();
            functionLengths[f] = pass.code.length;
            for (byte b : pass.code) image.emit8(b);
            for (JitImage.Relocation r : pass.relocs) relocs.add(shift(r, base));
            for (ExceptionTableEntry e : pass.extable) {
                extable.add(new ExceptionTableEntry(e.insnOffset() + base, e.length(), e.clearRegister(), e.pointerRegister(), e.off(), e.bpfInsnIndex(), e.write()));
            }
            for (int k = starts[f]; k < end; k++) insnOffsets[k] = base + pass.insnStart[k - starts[f]];
        }
        return new JitImage(image.toByteArray(), List.copyOf(relocs), functionOffsets, insnOffsets, List.copyOf(extable), options,
            functionLengths, ChargePoints.of(insns, starts));
    }

    private static JitImage.Relocation shift(JitImage.Relocation r, int base) {
        return switch (r) {
            case JitImage.CallOut c -> new JitImage.CallOut(c.offset() + base, c.target());
            case JitImage.CallFunction c -> new JitImage.CallFunction(c.offset() + base, c.function());
            case JitImage.FunctionAddress a -> new JitImage.FunctionAddress(a.offset() + base, a.function());
        };
    }

    /** Entry 0 plus every bpf-to-bpf call target and every BPF_PSEUDO_FUNC address. */
    public static int[] functionStarts(List<Insn> insns) {
        TreeSet<Integer> starts = new TreeSet<>();
        starts.add(0);
        for (int i = 0; i < insns.size(); i++) {
            Insn in = insns.get(i);
            boolean pseudoCall = in.opcode() == (Bpf.JMP | Bpf.CALL) && in.src() == Bpf.PSEUDO_CALL;
            boolean funcAddr = in.opcode() == (Bpf.LD | Bpf.IMM | Bpf.DW) && in.src() == PSEUDO_FUNC_SRC;
            if (pseudoCall || funcAddr) {
                int target = i + 1 + in.imm();
                if (target < 0 || target >= insns.size()) throw new JitException("insn " + i + ": call target " + target + " outside the program");
                starts.add(target);
            }
            if (in.opcode() == (Bpf.LD | Bpf.IMM | Bpf.DW)) i++;
        }
        return starts.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int functionIndex(int[] starts, int insn) {
        int idx = Arrays.binarySearch(starts, insn);
        if (idx < 0) throw new IllegalStateException("not a function start: " + insn);
        return idx;
    }

    /** One emitted pass of a function. */
    private record Pass(byte[] code, List<JitImage.Relocation> relocs, List<ExceptionTableEntry> extable, int[] insnStart) {}

    /** One subprogram: insns [start, end), jitted to convergence like bpf_int_jit_compile. */
    private final class Function {
        private final int start, end;
        private final int[] starts;
        private final int stackDepth;
        private final boolean[] calleeRegsUsed = new boolean[4];   // R6..R9
        /** addrs[k] = end of local insn k-1 (addrs[0] = end of the prologue), as in the kernel. */
        private final int[] addrs;
        /** bpf_int_jit_compile's {@code padding}: set from pass PADDING_PASSES on, kept for the image pass. */
        private boolean padding;

        Function(int start, int end, int[] starts, int stackDepth) {
            this.start = start;
            this.end = end;
            this.starts = starts;
            this.stackDepth = stackDepth;
            this.addrs = new int[end - start + 1];
            detectRegUsage();
        }

        /** detect_reg_usage(): which of R6..R9 this function mentions, so only those are saved. */
        private void detectRegUsage() {
            for (int i = start; i < end; i++) {
                Insn in = insns.get(i);
                for (int r = 6; r <= 9; r++) if (in.dst() == r || in.src() == r) calleeRegsUsed[r - 6] = true;
            }
        }

        Pass converge() {
            // Before the first pass every instruction is assumed to take 64 bytes.
            for (int k = 0, len = 0; k < addrs.length; k++) addrs[k] = len += 64;
            int oldLength = 0;
            for (int pass = 0; pass < MAX_PASSES; pass++) {
                if (!padding && pass >= PADDING_PASSES) padding = true;
                Pass p = emit();
                if (p.code.length == oldLength) {
                    Pass last = emit();   // the kernel's image pass: must reproduce the size
                    if (last.code.length != oldLength) throw new JitException("proglen=" + last.code.length + " != oldproglen=" + oldLength);
                    return last;
                }
                oldLength = p.code.length;
            }
            throw new JitException("image did not converge in " + MAX_PASSES + " passes");
        }

        private Pass emit() {
            X86Assembler a = new X86Assembler();
            Emitter e = new Emitter(a, new ArrayList<>(), new ArrayList<>());
            prologue(a);
            addrs[0] = a.position();
            int[] insnStart = new int[end - start];
            for (int i = start; i < end; i++) {
                int k = i - start;
                insnStart[k] = a.position();
                Insn in = insns.get(i);
                e.insn(in, i, k);
                if (in.opcode() == (Bpf.LD | Bpf.IMM | Bpf.DW)) {
                    addrs[k + 1] = a.position();   // the second slot emits nothing
                    i++;
                    k++;
                    if (k < insnStart.length) insnStart[k] = a.position();
                }
                addrs[k + 1] = a.position();
            }
            return new Pass(a.toByteArray(), e.relocs, e.extable, insnStart);
        }

        /** emit_prologue() + do_jit's callee-saved pushes and r12 = kern_vm_start. */
        private void prologue(X86Assembler a) {
            if (options.profile().ibt()) endbr(a);   // emit_cfi without kCFI: EMIT_ENDBR()
            a.nops(X86_PATCH_SIZE);        // fentry patch site for BPF trampolines
            a.nops(3);                     // tail-call counter init slot (no tail calls here)
            a.push(RBP);
            a.mov(true, RBP, RSP);
            if (options.profile().ibt()) endbr(a);   // X86_TAIL_CALL_OFFSET lands here
            // sub rsp, round_up(stack_depth, 8): imm32 form, and nothing at all for depth 0
            int depth = (stackDepth + 7) & ~7;
            if (depth != 0) a.emit(0x48, 0x81, 0xEC).emit32(depth);
            if (options.hasArena()) a.push(BpfRegisterMap.ARENA_BASE_REG);
            pushCalleeRegs(a);
            if (options.hasArena()) a.movImm(BpfRegisterMap.ARENA_BASE_REG, options.kernVmStart());
        }

        private static void endbr(X86Assembler a) {
            a.emit(0xF3, 0x0F, 0x1E, 0xFA);   // endbr64 (gen_endbr)
        }

        private void pushCalleeRegs(X86Assembler a) {
            if (calleeRegsUsed[0]) a.push(RBX);
            if (calleeRegsUsed[1]) a.push(R13);
            if (calleeRegsUsed[2]) a.push(R14);
            if (calleeRegsUsed[3]) a.push(R15);
        }

        private void popCalleeRegs(X86Assembler a) {
            if (calleeRegsUsed[3]) a.pop(R15);
            if (calleeRegsUsed[2]) a.pop(R14);
            if (calleeRegsUsed[1]) a.pop(R13);
            if (calleeRegsUsed[0]) a.pop(RBX);
        }

        /** The per-instruction part of do_jit. */
        private final class Emitter {
            private final X86Assembler a;
            private final List<JitImage.Relocation> relocs;
            private final List<ExceptionTableEntry> extable;
            private boolean seenExit;
            private int cleanupAddr;

            Emitter(X86Assembler a, List<JitImage.Relocation> relocs, List<ExceptionTableEntry> extable) {
                this.a = a;
                this.relocs = relocs;
                this.extable = extable;
            }

            void insn(Insn in, int index, int k) {
                switch (in.cls()) {
                    case Bpf.ALU, Bpf.ALU64 -> alu(in, index);
                    case Bpf.LD -> ldImm64(in, index);
                    case Bpf.LDX -> ldx(in, index);
                    case Bpf.ST -> st(in, index);
                    case Bpf.STX -> stx(in, index);
                    case Bpf.JMP, Bpf.JMP32 -> jmp(in, index, k);
                    default -> throw unsupported(in, index);
                }
            }

            private JitException unsupported(Insn in, int index) {
                return new JitException(String.format("insn %d: unsupported opcode 0x%02x", index, in.opcode()));
            }

            private int reg(int bpfReg, int index) {
                if (bpfReg > BPF_REG_AX) throw new JitException("insn " + index + ": invalid register r" + bpfReg);
                return BpfRegisterMap.x86(bpfReg);
            }

            // ---- ALU ----------------------------------------------------------------------

            private void alu(Insn in, int index) {
                boolean w = in.cls() == Bpf.ALU64;
                boolean x = (in.opcode() & Bpf.X) != 0;
                int op = in.opcode() & 0xF0;
                int d = reg(in.dst(), index);
                int s = reg(in.src(), index);
                int imm = in.imm();
                switch (op) {
                    case Bpf.ADD, Bpf.SUB, Bpf.AND, Bpf.OR, Bpf.XOR -> {
                        Alu alu = switch (op) {
                            case Bpf.ADD -> Alu.ADD;
                            case Bpf.SUB -> Alu.SUB;
                            case Bpf.AND -> Alu.AND;
                            case Bpf.OR -> Alu.OR;
                            default -> Alu.XOR;
                        };
                        if (x) a.alu(alu, w, d, s); else a.aluImm(alu, w, d, imm);
                    }
                    case Bpf.MOV -> mov(in, index, w, x, d, s);
                    case Bpf.NEG -> a.neg(w, d);
                    case Bpf.MUL -> {
                        if (x) a.imul(w, d, s); else a.imulImm(w, d, d, imm);
                    }
                    case Bpf.DIV, Bpf.MOD -> divMod(in, w, x, d, s);
                    case Bpf.LSH, Bpf.RSH, Bpf.ARSH -> shift(in, w, x, d, s);
                    case Bpf.END -> end(in, index, d);
                    default -> throw unsupported(in, index);
                }
            }

            private void mov(Insn in, int index, boolean w, boolean x, int d, int s) {
                if (!x) {
                    // emit_mov_imm32: ALU64 sign-extends the immediate, ALU zero-extends it
                    a.movImm(d, w ? (long) in.imm() : in.imm() & 0xFFFF_FFFFL);
                    return;
                }
                if (w && in.off() == Bpf.ADDR_SPACE_CAST) {
                    if (in.imm() == 1 << 16) castUser(d, s);
                    else if (in.imm() == 1) a.mov(false, d, s);   // cast_kern, as the verifier rewrites it
                    else throw new JitException("insn " + index + ": addr_space_cast with imm 0x" + Integer.toHexString(in.imm()));
                    return;
                }
                switch (in.off()) {
                    case 0 -> {
                        if (!w || d != s) a.mov(w, d, s);
                    }
                    case 8, 16 -> a.movsx(w, in.off(), d, s);
                    case 32 -> {
                        if (!w) throw new JitException("insn " + index + ": movsx32 needs ALU64");
                        a.movsx(true, 32, d, s);
                    }
                    default -> throw new JitException("insn " + index + ": bad mov offset " + in.off());
                }
            }

            /**
             * cast_user (docs/semantics.md#addr_space_cast): dst = lo32(src) == 0 ? 0 :
             * hi32(user_vm_start):lo32(src).
             */
            private void castUser(int d, int s) {
                int hi = (int) (options.userVmStart() >>> 32);
                if (d != s) a.mov(false, d, s);
                a.shiftImm(Shift.SHL, true, d, 32);
                if (d == RAX) a.emit(0x48, 0x0D).emit32(hi);                                 // or rax, imm32
                else a.opReg(false, true, false, Alu.OR.digit, d, 0x81).emit32(hi);          // or dst, imm32 (never imm8)
                a.shiftImm(Shift.ROL, true, d, 32);
                a.alu(Alu.XOR, true, AUX_REG, AUX_REG);
                a.test(false, d, d);
                a.cmov(Cond.E, true, d, AUX_REG);
            }

            private void shift(Insn in, boolean w, boolean x, int d, int s) {
                Shift op = switch (in.opcode() & 0xF0) {
                    case Bpf.LSH -> Shift.SHL;
                    case Bpf.RSH -> Shift.SHR;
                    default -> Shift.SAR;
                };
                if (!x) {
                    a.shiftImm(op, w, d, in.imm() & 0xFF);
                    return;
                }
                // do_jit: BMI2 shifts "aren't better when shift count is already in rcx"
                if (options.profile().bmi2() && s != RCX) {
                    shiftx(op, w, d, s);
                    return;
                }
                // shift by cl; rcx (BPF R4) is saved around it only when the count is elsewhere
                if (s == RCX) {
                    a.shiftCl(op, w, d);
                    return;
                }
                int dst = d;
                if (d == RCX) {
                    a.mov(true, AUX_REG, d);
                    dst = AUX_REG;
                } else {
                    a.push(RCX);
                }
                a.mov(true, RCX, s);
                a.shiftCl(op, w, dst);
                if (d == RCX) a.mov(true, d, AUX_REG); else a.pop(RCX);
            }

            /**
             * emit_shiftx: {@code shlx/shrx/sarx d, d, s}, a 3-byte VEX prefix (map 0F38, pp 66 /
             * F2 / F3 for shl / shr / sar, W for 64 bits, vvvv = the count register) and
             * {@code f7 /r} with d in both ModRM fields.
             */
            private void shiftx(Shift op, boolean w, int d, int s) {
                int pp = switch (op) {
                    case SHL -> 1;
                    case SHR -> 3;
                    default -> 2;
                };
                boolean ext = d >= 8;
                int b1 = (ext ? 0 : 0x80) | 0x40 | (ext ? 0 : 0x20) | 2;
                int b2 = (w ? 0x80 : 0) | ((~s & 0xF) << 3) | pp;
                a.emit(0xC4, b1, b2).emit(0xF7, 0xC0 | (d & 7) << 3 | (d & 7));
            }

            private void end(Insn in, int index, int d) {
                boolean swap = in.cls() == Bpf.ALU64 || (in.opcode() & Bpf.X) != 0;   // ALU64 bswap or to-BE
                switch (in.imm()) {
                    case 16 -> {
                        if (swap) a.ror16(d, 8);
                        a.movzx16(d, d);
                    }
                    case 32 -> {
                        if (swap) a.bswap(false, d); else a.mov(false, d, d);
                    }
                    case 64 -> {
                        if (swap) a.bswap(true, d);
                    }
                    default -> throw new JitException("insn " + index + ": bad endianness width " + in.imm());
                }
            }

            /**
             * do_jit's BPF_DIV/BPF_MOD case. Division by a register is already guarded by the
             * BPF instructions do_misc_fixups inserted ({@link MiscFixups}), and a signed
             * {@code / -1} by immediate is already a neg. The verifier rejects {@code / 0} by
             * immediate (check_alu_op: "div by zero"); a raw program that has one gets
             * {@code x / 0 = 0}, {@code x % 0 = x} resolved here instead of a #DE.
             */
            private void divMod(Insn in, boolean w, boolean x, int d, int s) {
                boolean mod = (in.opcode() & 0xF0) == Bpf.MOD;
                boolean signed = in.off() == 1;
                if (!x && in.imm() == 0) {
                    if (!mod) a.alu(Alu.XOR, false, d, d); else if (!w) a.mov(false, d, d);
                    return;
                }
                divSequence(w, mod, signed, d, x ? s : -1, in.imm());
            }

            /** The kernel's BPF_DIV/BPF_MOD case: rax/rdx saved unless they are the destination. */
            private void divSequence(boolean w, boolean mod, boolean signed, int d, int s, int imm) {
                if (d != RAX) a.push(RAX);
                if (d != RDX) a.push(RDX);
                int src = s;
                if (s < 0) {
                    a.movImmSx(AUX_REG, imm);                 // mov r11, imm32
                    src = AUX_REG;
                } else if (s == RAX || s == RDX) {
                    a.mov(true, AUX_REG, s);
                    src = AUX_REG;
                }
                if (d != RAX) a.mov(w, RAX, d);
                if (!signed) {
                    a.alu(Alu.XOR, false, RDX, RDX);
                    a.div(w, src);
                } else {
                    a.signExtendAccumulator(w);
                    a.idiv(w, src);
                }
                if (mod && d != RDX) a.mov(w, d, RDX);
                else if (!mod && d != RAX) a.mov(w, d, RAX);
                if (d != RDX) a.pop(RDX);
                if (d != RAX) a.pop(RAX);
            }

            // ---- loads, stores, atomics -----------------------------------------------------

            private void ldImm64(Insn in, int index) {
                if (in.opcode() != (Bpf.LD | Bpf.IMM | Bpf.DW)) throw unsupported(in, index);
                if (index + 1 >= insns.size()) throw new JitException("insn " + index + ": ld_imm64 without its second slot");
                int d = reg(in.dst(), index);
                if (in.src() == PSEUDO_FUNC_SRC) {
                    a.movabs(d, 0);
                    relocs.add(new JitImage.FunctionAddress(a.position() - 8, functionIndex(starts, index + 1 + in.imm())));
                    return;
                }
                if (in.src() != 0) throw new JitException("insn " + index + ": unresolved ld_imm64 pseudo src " + in.src());
                long value = (in.imm() & 0xFFFF_FFFFL) | (long) insns.get(index + 1).imm() << 32;
                a.movImm(d, value);
            }

            private int size(Insn in) {
                return switch (in.opcode() & 0x18) {
                    case Bpf.B -> 1;
                    case Bpf.H -> 2;
                    case Bpf.W -> 4;
                    default -> 8;
                };
            }

            private Mem arena(int base, int off) {
                return Mem.indexed(base, BpfRegisterMap.ARENA_BASE_REG, off);
            }

            private void requireArena(Insn in, int index) {
                if (!options.hasArena()) throw new JitException("insn " + index + ": arena access in a program without an arena");
            }

            private void ldx(Insn in, int index) {
                int mode = in.opcode() & 0xE0;
                int d = reg(in.dst(), index);
                int s = reg(in.src(), index);
                int size = size(in);
                switch (mode) {
                    case Bpf.MEM -> a.load(size, d, Mem.of(s, in.off()));
                    case Bpf.MEMSX -> {
                        if (size == 8) throw unsupported(in, index);
                        a.loadSx(size, d, Mem.of(s, in.off()));
                    }
                    case Bpf.PROBE_MEM32, Bpf.PROBE_MEM32SX -> {
                        requireArena(in, index);
                        int at = a.position();
                        if (mode == Bpf.PROBE_MEM32) loadIndex(size, d, s, in.off()); else loadSxIndex(in, index, size, d, s);
                        extable.add(new ExceptionTableEntry(at, a.position() - at, d, s, in.off(), index));
                    }
                    default -> throw unsupported(in, index);
                }
            }

            /** emit_ldx_index: the REX prefix is always there (X = r12). */
            private void loadIndex(int size, int d, int s, int off) {
                Mem m = arena(s, off);
                switch (size) {
                    case 1 -> a.opMem(false, false, false, d, m, true, 0x0F, 0xB6);
                    case 2 -> a.opMem(false, false, false, d, m, true, 0x0F, 0xB7);
                    case 4 -> a.opMem(false, false, false, d, m, true, 0x8B);
                    default -> a.opMem(false, true, false, d, m, true, 0x8B);
                }
            }

            private void loadSxIndex(Insn in, int index, int size, int d, int s) {
                Mem m = arena(s, in.off());
                switch (size) {
                    case 1 -> a.opMem(false, true, false, d, m, true, 0x0F, 0xBE);
                    case 2 -> a.opMem(false, true, false, d, m, true, 0x0F, 0xBF);
                    case 4 -> a.opMem(false, true, false, d, m, true, 0x63);
                    default -> throw unsupported(in, index);
                }
            }

            private void storeIndex(int size, int d, int s, int off) {
                Mem m = arena(d, off);
                switch (size) {
                    case 1 -> a.opMem(false, false, true, s, m, true, 0x88);
                    case 2 -> a.opMem(true, false, false, s, m, true, 0x89);
                    case 4 -> a.opMem(false, false, false, s, m, true, 0x89);
                    default -> a.opMem(false, true, false, s, m, true, 0x89);
                }
            }

            private void st(Insn in, int index) {
                int mode = in.opcode() & 0xE0;
                int d = reg(in.dst(), index);
                int size = size(in);
                if (in.opcode() == (Bpf.ST | NOSPEC)) {
                    a.emit(0x0F, 0xAE, 0xE8);   // lfence: the speculation barrier the verifier may insert
                    return;
                }
                switch (mode) {
                    case Bpf.MEM -> a.storeImm(size, Mem.of(d, in.off()), in.imm());
                    case Bpf.PROBE_MEM32 -> {
                        requireArena(in, index);
                        int at = a.position();
                        Mem m = arena(d, in.off());
                        switch (size) {
                            case 1 -> a.opMem(false, false, false, 0, m, true, 0xC6).emit8(in.imm());
                            case 2 -> a.opMem(true, false, false, 0, m, true, 0xC7).emit16(in.imm());
                            case 4 -> a.opMem(false, false, false, 0, m, true, 0xC7).emit32(in.imm());
                            default -> a.opMem(false, true, false, 0, m, true, 0xC7).emit32(in.imm());
                        }
                        extable.add(new ExceptionTableEntry(at, a.position() - at, ExceptionTableEntry.DONT_CLEAR, d, in.off(), index));
                    }
                    default -> throw unsupported(in, index);
                }
            }

            private void stx(Insn in, int index) {
                int mode = in.opcode() & 0xE0;
                int d = reg(in.dst(), index);
                int s = reg(in.src(), index);
                int size = size(in);
                switch (mode) {
                    case Bpf.MEM -> a.store(size, Mem.of(d, in.off()), s);
                    case Bpf.ATOMIC -> atomic(in, index, size, d, s, false);
                    case Bpf.PROBE_MEM32 -> {
                        requireArena(in, index);
                        int at = a.position();
                        storeIndex(size, d, s, in.off());
                        extable.add(new ExceptionTableEntry(at, a.position() - at, ExceptionTableEntry.DONT_CLEAR, d, in.off(), index));
                    }
                    case Bpf.PROBE_ATOMIC -> {
                        requireArena(in, index);
                        int at = a.position();
                        atomic(in, index, size, d, s, true);
                        // class STX: dst is the pointer and the fault a WRITE; nothing is cleared (store-release
                        // included), except the fetch register of a read-modify-write in the eras that zero it;
                        // a load-acquire loads into dst through src and is recorded like an LDX from E5 on
                        if (in.imm() == Bpf.LOAD_ACQ && options.era().loadAcquireExtableLikeLoad()) {
                            extable.add(new ExceptionTableEntry(at, a.position() - at, d, s, in.off(), index));
                        } else {
                            int fetch = Bpf.fetchDestination(in.imm(), in.src());
                            int clear = fetch >= 0 && options.era().atomicFaultClearsFetchRegister() ? reg(fetch, index) : ExceptionTableEntry.DONT_CLEAR;
                            extable.add(new ExceptionTableEntry(at, a.position() - at, clear, d, in.off(), index, true));
                        }
                    }
                    default -> throw unsupported(in, index);
                }
            }

            private void atomic(Insn in, int index, int size, int d, int s, boolean arena) {
                int op = in.imm();
                boolean w = size == 8;
                if (op == Bpf.LOAD_ACQ) {          // x86 is TSO: plain loads and stores already order as needed
                    if (arena) loadIndex(size, d, s, in.off()); else a.load(size, d, Mem.of(s, in.off()));
                    return;
                }
                if (op == Bpf.STORE_REL) {
                    if (arena) storeIndex(size, d, s, in.off()); else a.store(size, Mem.of(d, in.off()), s);
                    return;
                }
                if (!w && size != 4) throw new JitException("insn " + index + ": 1- and 2-byte RMW atomics are not supported");
                if (op == (Bpf.AND | Bpf.FETCH) || op == (Bpf.OR | Bpf.FETCH) || op == (Bpf.XOR | Bpf.FETCH)) {
                    // bpf_jit_supports_insn(in_arena=true) is false for these: the verifier rejects them on arena
                    if (arena) throw new JitException("insn " + index + ": atomic fetch-and/or/xor is not supported on arena memory");
                    cmpxchgLoop(op & 0xF0, w, size, d, s, in.off());
                    return;
                }
                Mem m = arena ? arena(d, in.off()) : Mem.of(d, in.off());
                if (op != Bpf.XCHG || options.era().xchgHasLockPrefix()) a.lock();
                switch (op) {
                    case Bpf.ADD -> a.opMem(false, w, false, s, m, arena, Alu.ADD.mrOpcode);
                    case Bpf.AND -> a.opMem(false, w, false, s, m, arena, Alu.AND.mrOpcode);
                    case Bpf.OR -> a.opMem(false, w, false, s, m, arena, Alu.OR.mrOpcode);
                    case Bpf.XOR -> a.opMem(false, w, false, s, m, arena, Alu.XOR.mrOpcode);
                    case Bpf.ADD | Bpf.FETCH -> a.opMem(false, w, false, s, m, arena, 0x0F, 0xC1);   // xadd
                    case Bpf.XCHG -> a.opMem(false, w, false, s, m, arena, 0x87);
                    case Bpf.CMPXCHG -> a.opMem(false, w, false, s, m, arena, 0x0F, 0xB1);          // implicit rax = R0
                    default -> throw new JitException(String.format("insn %d: unknown atomic op 0x%x", index, op));
                }
            }

            /** AND/OR/XOR with fetch on kernel memory: a cmpxchg loop, R0 parked in BPF_REG_AX (r10). */
            private void cmpxchgLoop(int aluOp, boolean w, int size, int d, int s, int off) {
                int ax = BpfRegisterMap.x86(BPF_REG_AX);
                a.mov(true, ax, RAX);
                int realSrc = s == RAX ? ax : s;
                int realDst = d == RAX ? ax : d;
                int top = a.position();
                a.load(size, RAX, Mem.of(realDst, off));
                a.mov(w, AUX_REG, RAX);
                Alu alu = aluOp == Bpf.AND ? Alu.AND : aluOp == Bpf.OR ? Alu.OR : Alu.XOR;
                a.alu(alu, w, AUX_REG, realSrc);
                a.lock();
                a.opMem(false, w, false, AUX_REG, Mem.of(realDst, off), false, 0x0F, 0xB1);
                a.emit(0x70 | Cond.NE.code, top - (a.position() + 2));
                a.mov(w, realSrc, RAX);
                a.mov(true, RAX, ax);
            }

            // ---- jumps, calls, exit --------------------------------------------------------

            private void jmp(Insn in, int index, int k) {
                int op = in.opcode() & 0xF0;
                boolean jmp64 = in.cls() == Bpf.JMP;
                switch (op) {
                    case Bpf.JA -> {
                        int off = jmp64 ? in.off() : in.imm();
                        long rel = off == -1 ? -2 : target(index, k, off) - addrs[k + 1];
                        if (rel != 0) {
                            jmp(k, rel);
                        } else if (padding) {
                            // a jump to the next instruction is optimised out; with jmp_padding it
                            // keeps the size it had in the previous pass (0, jmp rel8 or jmp rel32)
                            pad(k, 0, 0, 2, 5);
                        }
                    }
                    case Bpf.CALL -> {
                        if (!jmp64) throw unsupported(in, index);
                        call(in, index);
                    }
                    case Bpf.EXIT -> {
                        if (!jmp64) throw unsupported(in, index);
                        exit(k);
                    }
                    default -> conditional(in, index, k, jmp64, op);
                }
            }

            private int target(int index, int k, int off) {
                int t = k + 1 + off;
                if (t < 0 || t >= end - start) throw new JitException("insn " + index + ": jump target " + (index + 1 + off) + " outside its function");
                return addrs[t];
            }

            private void conditional(Insn in, int index, int k, boolean w, int op) {
                Cond cond = switch (op) {
                    case Bpf.JEQ -> Cond.E;
                    case Bpf.JNE, Bpf.JSET -> Cond.NE;
                    case Bpf.JGT -> Cond.A;
                    case Bpf.JLT -> Cond.B;
                    case Bpf.JGE -> Cond.AE;
                    case Bpf.JLE -> Cond.BE;
                    case Bpf.JSGT -> Cond.G;
                    case Bpf.JSLT -> Cond.L;
                    case Bpf.JSGE -> Cond.GE;
                    case Bpf.JSLE -> Cond.LE;
                    default -> throw unsupported(in, index);
                };
                int d = reg(in.dst(), index);
                if ((in.opcode() & Bpf.X) != 0) {
                    int s = reg(in.src(), index);
                    if (op == Bpf.JSET) a.test(w, d, s); else a.alu(Alu.CMP, w, d, s);
                } else if (op == Bpf.JSET) {
                    a.testImm(w, d, in.imm());
                } else if (in.imm() == 0) {
                    a.test(w, d, d);
                } else if (X86Assembler.isImm8(in.imm())) {
                    a.aluImm(Alu.CMP, w, d, in.imm());
                } else {
                    a.opReg(false, w, false, Alu.CMP.digit, d, 0x81).emit32(in.imm());   // no rax short form here
                }
                long rel = target(index, k, in.off()) - addrs[k + 1];
                // jmp_padding: a jcc that became rel8 (2 bytes) after a rel32 one (6) is padded by 4
                if (padding && shortJump(rel)) pad(k, 2, 0, 4);
                a.jccRel(cond, rel, shortJump(rel));
            }

            /** emit_jmp: rel8 or rel32; with jmp_padding a rel8 one after a rel32 one (5 bytes) is padded by 3. */
            private void jmp(int k, long rel) {
                if (padding && shortJump(rel)) pad(k, 2, 0, 3);
                a.jmpRel(rel, shortJump(rel));
            }

            /** is_imm8_jmp_offset (is_imm8 before v6.12): forward jumps get rel8 up to the era's limit only. */
            private boolean shortJump(long rel) {
                return rel >= -128 && rel <= options.era().shortJumpMaxForward();
            }

            /**
             * emit_nops for jmp_padding: INSN_SZ_DIFF (the insn's size in the previous pass minus
             * what this pass emitted for it so far) less the {@code jumpBytes} still to come; any
             * other amount than the {@code allowed} ones is the kernel's "unexpected ... padding"
             * -EFAULT.
             */
            private void pad(int k, int jumpBytes, int... allowed) {
                int nops = addrs[k + 1] - a.position() - jumpBytes;
                if (Arrays.stream(allowed).noneMatch(n -> n == nops)) {
                    throw new JitException("unexpected jump padding: " + nops + " bytes");
                }
                a.nops(nops);
            }

            private void call(Insn in, int index) {
                switch (in.src()) {
                    case 0 -> {
                        if (in.imm() == 0) throw new JitException("insn " + index + ": call to helper 0");
                        callOut(new CallTarget.Helper(in.imm()));
                    }
                    case Bpf.PSEUDO_CALL -> {
                        a.emit8(0xE8);
                        relocs.add(new JitImage.CallFunction(a.position(), functionIndex(starts, index + 1 + in.imm())));
                        a.emit32(0);
                    }
                    case Bpf.PSEUDO_KFUNC_CALL -> {
                        Kfunc kfunc = Kfunc.byId(in.imm()).orElseThrow(() -> new JitException("insn " + index + ": unknown kfunc id " + in.imm()));
                        rebaseArenaArgs(kfunc, index);
                        callOut(new CallTarget.KfuncCall(kfunc));
                    }
                    default -> throw new JitException("insn " + index + ": bad call src " + in.src());
                }
            }

            /**
             * E5 do_jit before a kfunc call: each {@code __arena} argument becomes
             * {@code kern_vm_start + lo32} ({@code movl %e, %e; addq %r12, %r}); a
             * {@code __arena__nullable} one keeps a zero lo32 as NULL ({@code testl; je} over the add).
             */
            private void rebaseArenaArgs(Kfunc kfunc, int index) {
                if (!kfunc.takesArenaArgs() || !options.era().hasArenaKfuncArgs()) return;
                requireArena(new Insn(Bpf.JMP | Bpf.CALL, 0, Bpf.PSEUDO_KFUNC_CALL, 0, kfunc.id), index);
                for (int arg = 0; arg < kfunc.argCount; arg++) {
                    Kfunc.ArenaArg kind = kfunc.args.get(arg);
                    if (kind == Kfunc.ArenaArg.PLAIN) continue;
                    int r = reg(1 + arg, index);
                    a.mov(false, r, r);
                    if (kind == Kfunc.ArenaArg.NULLABLE) a.test(false, r, r).emit(0x74, ADD_R12_LENGTH);
                    int at = a.position();
                    a.alu(Alu.ADD, true, r, BpfRegisterMap.ARENA_BASE_REG);
                    if (a.position() - at != ADD_R12_LENGTH) throw new JitException("insn " + index + ": add of r12 is not 3 bytes");
                }
            }

            private static final int ADD_R12_LENGTH = 3;   // REX.W+R, 01 /r, modrm

            private void callOut(CallTarget target) {
                a.emit8(0xE8);
                relocs.add(new JitImage.CallOut(a.position(), target));
                a.emit32(0);
            }

            /** The first exit emits the epilogue; later ones jump to it (ctx->cleanup_addr). */
            private void exit(int k) {
                if (seenExit) {
                    jmp(k, cleanupAddr - addrs[k + 1]);
                    return;
                }
                seenExit = true;
                cleanupAddr = a.position();
                popCalleeRegs(a);
                if (options.hasArena()) a.pop(BpfRegisterMap.ARENA_BASE_REG);
                a.leave();
                a.ret();                                          // emit_return
                if (options.profile().slsInt3()) a.emit8(0xCC);   // CONFIG_MITIGATION_SLS: int3 after ret
            }
        }
    }
}
