package dev.arenaemu.kernel.bpf.interp;

import dev.arenaemu.kernel.bpf.isa.Bpf;
import dev.arenaemu.kernel.bpf.isa.Insn;
import dev.arenaemu.kernel.bpf.isa.Kfunc;
import dev.arenaemu.kernel.bpf.jit.ArenaViolationReport;
import dev.arenaemu.kernel.bpf.jit.BpfJit;
import dev.arenaemu.kernel.bpf.jit.CallDispatcher;
import dev.arenaemu.kernel.bpf.jit.ChargePoints;
import dev.arenaemu.kernel.bpf.jit.CallTarget;
import dev.arenaemu.kernel.bpf.jit.JitOptions;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Reference interpreter with the semantics of the x86 JIT ({@link dev.arenaemu.kernel.bpf.jit.BpfJit}),
 * used to check it differentially. RFC 9669 semantics plus what the kernel adds: x / 0 = 0,
 * x % 0 = x (zero-extended for 32 bits), signed x / -1 = -x and x % -1 = 0 (do_misc_fixups);
 * PROBE_MEM32 accesses go to {@link ArenaMemory} at {@code kern_vm_start + ptr + off}, and an
 * access to an absent page behaves like the JIT's exception-table fixup (load → destination 0,
 * store and atomics → skipped) with the same stderr report.
 *
 * <p>Like the JIT, a call leaves R1..R5 as the callee left them, restores R6..R9 and R10 on
 * return from a subprogram, and gives each call frame its own {@code stackDepth} bytes.
 */
public final class BpfInterpreter {
    private static final int MAX_CALL_DEPTH = 8;

    private final List<Insn> insns;
    private final JitOptions options;
    private final ArenaMemory arena;
    private final KernelMemory memory;
    private final CallDispatcher calls;
    private final long framePointer;
    private final int frameSpan;
    private final ByteBuffer stack;
    private final List<String> stderr = new ArrayList<>();
    /** Budget charged on reaching each instruction: the JIT's {@link ChargePoints}, so both stop a runaway program alike. */
    private final long[] charge;

    /** {@code framePointer} is R10 of the main function; its stack is [fp - stackDepth, fp). */
    public BpfInterpreter(List<Insn> insns, JitOptions options, ArenaMemory arena, KernelMemory memory,
                          CallDispatcher calls, long framePointer) {
        this.insns = List.copyOf(insns);
        this.options = options;
        this.arena = arena;
        this.memory = memory;
        this.calls = calls;
        this.framePointer = framePointer;
        this.frameSpan = (options.stackDepth() + 7) & ~7;
        this.stack = ByteBuffer.allocate(frameSpan * MAX_CALL_DEPTH).order(ByteOrder.LITTLE_ENDIAN);
        this.charge = ChargePoints.of(this.insns, BpfJit.functionStarts(this.insns)).weightByInsn(this.insns.size());
    }

    /** How a run ended: R0 and the number of instructions executed. */
    public record Result(long r0, long instructions) {}

    private record Frame(int returnPc, long r6, long r7, long r8, long r9, long r10) {}

    /** Report lines ("ERROR: Arena READ|WRITE access at unmapped address 0x…"), oldest first. */
    public List<String> stderr() {
        return List.copyOf(stderr);
    }

    /** The main function's stack bytes [fp - stackDepth, fp) after the run. */
    public byte[] mainStack() {
        byte[] out = new byte[frameSpan];
        stack.get(stack.capacity() - frameSpan, out);
        return out;
    }

    /**
     * Runs the program with R1..R5 = {@code args}. {@code budget} is spent as the JIT's runtime
     * spends it ({@link ChargePoints}): a run charged more than it is stopped with an
     * {@link InterpreterException} at the point that overdrew it.
     */
    public Result run(long budget, long... args) {
        long[] r = new long[12];   // R0..R10 and BPF_REG_AX (the verifier's sdiv/smod guards use it)
        for (int i = 0; i < args.length && i < 5; i++) r[i + 1] = args[i];
        r[10] = framePointer;
        Deque<Frame> frames = new ArrayDeque<>();
        int pc = 0;
        long executed = 0;
        long charged = 0;
        while (true) {
            if (pc < 0 || pc >= insns.size()) throw new InterpreterException("pc " + pc + " outside the program");
            charged += charge[pc];
            if (charged > budget) throw new InterpreterException("instruction budget exhausted at insn " + pc);
            executed++;
            Insn in = insns.get(pc);
            int next = pc + 1;
            switch (in.cls()) {
                case Bpf.ALU64 -> r[in.dst()] = alu64(in, r, pc);
                case Bpf.ALU -> r[in.dst()] = (in.opcode() & 0xF0) == Bpf.END ? endian(in, r[in.dst()], pc) : alu32(in, r, pc) & 0xFFFF_FFFFL;
                case Bpf.LD -> {
                    if (in.opcode() != (Bpf.LD | Bpf.IMM | Bpf.DW) || in.src() != 0) throw bad(in, pc);
                    r[in.dst()] = (in.imm() & 0xFFFF_FFFFL) | (long) insns.get(pc + 1).imm() << 32;
                    next = pc + 2;
                }
                case Bpf.LDX -> ldx(in, r, pc);
                case Bpf.ST -> st(in, r, pc);
                case Bpf.STX -> stx(in, r, pc);
                case Bpf.JMP, Bpf.JMP32 -> {
                    int op = in.opcode() & 0xF0;
                    if (op == Bpf.EXIT && in.cls() == Bpf.JMP) {
                        if (frames.isEmpty()) return new Result(r[0], executed);
                        Frame f = frames.pop();
                        r[6] = f.r6; r[7] = f.r7; r[8] = f.r8; r[9] = f.r9; r[10] = f.r10;
                        next = f.returnPc;
                    } else if (op == Bpf.CALL && in.cls() == Bpf.JMP) {
                        if (in.src() == Bpf.PSEUDO_CALL) {
                            if (frames.size() + 1 >= MAX_CALL_DEPTH) throw new InterpreterException("call depth exceeded at insn " + pc);
                            frames.push(new Frame(pc + 1, r[6], r[7], r[8], r[9], r[10]));
                            r[10] -= frameSpan;
                            next = pc + 1 + in.imm();
                        } else {
                            CallTarget target = callTarget(in, pc);
                            if (target instanceof CallTarget.KfuncCall k) rebaseArenaArgs(k.kfunc(), r);
                            r[0] = calls.call(target, r[1], r[2], r[3], r[4], r[5]).r0();
                        }
                    } else if (op == Bpf.JA) {
                        next = pc + 1 + (in.cls() == Bpf.JMP ? in.off() : in.imm());
                    } else if (condition(in, r, pc)) {
                        next = pc + 1 + in.off();
                    }
                }
                default -> throw bad(in, pc);
            }
            pc = next;
        }
    }

    private static InterpreterException bad(Insn in, int pc) {
        return new InterpreterException(String.format("insn %d: unsupported opcode 0x%02x", pc, in.opcode()));
    }

    /** As the JIT before the call (E5): {@code __arena} arguments become kern_vm_start + lo32, nullable zeros stay NULL. */
    private void rebaseArenaArgs(Kfunc kfunc, long[] r) {
        if (!options.era().hasArenaKfuncArgs()) return;
        for (int arg = 0; arg < kfunc.argCount; arg++) {
            long lo32 = r[1 + arg] & 0xFFFF_FFFFL;
            switch (kfunc.args.get(arg)) {
                case ARENA -> r[1 + arg] = options.kernVmStart() + lo32;
                case NULLABLE -> r[1 + arg] = lo32 == 0 ? 0 : options.kernVmStart() + lo32;
                case PLAIN -> { }
            }
        }
    }

    private static CallTarget callTarget(Insn in, int pc) {
        return switch (in.src()) {
            case 0 -> new CallTarget.Helper(in.imm());
            case Bpf.PSEUDO_KFUNC_CALL -> new CallTarget.KfuncCall(Kfunc.byId(in.imm())
                .orElseThrow(() -> new InterpreterException("insn " + pc + ": unknown kfunc id " + in.imm())));
            default -> throw new InterpreterException("insn " + pc + ": bad call src " + in.src());
        };
    }

    // ---- ALU --------------------------------------------------------------------------------

    private long alu64(Insn in, long[] r, int pc) {
        long dst = r[in.dst()];
        long src = (in.opcode() & Bpf.X) != 0 ? r[in.src()] : (long) in.imm();
        boolean signed = in.off() == 1;
        return switch (in.opcode() & 0xF0) {
            case Bpf.ADD -> dst + src;
            case Bpf.SUB -> dst - src;
            case Bpf.MUL -> dst * src;
            case Bpf.DIV -> src == 0 ? 0 : signed ? (src == -1 ? -dst : dst / src) : Long.divideUnsigned(dst, src);
            case Bpf.MOD -> src == 0 ? dst : signed ? (src == -1 ? 0 : dst % src) : Long.remainderUnsigned(dst, src);
            case Bpf.OR -> dst | src;
            case Bpf.AND -> dst & src;
            case Bpf.XOR -> dst ^ src;
            case Bpf.LSH -> dst << (src & 63);
            case Bpf.RSH -> dst >>> (src & 63);
            case Bpf.ARSH -> dst >> (src & 63);
            case Bpf.NEG -> -dst;
            case Bpf.MOV -> mov64(in, src, pc);
            case Bpf.END -> swap(dst, in.imm(), pc);   // ALU64 | END: unconditional byte swap
            default -> throw bad(in, pc);
        };
    }

    private long mov64(Insn in, long src, int pc) {
        if ((in.opcode() & Bpf.X) == 0) return src;
        return switch (in.off()) {
            case 0 -> src;
            case Bpf.ADDR_SPACE_CAST -> {
                if (in.imm() == 1) yield src & 0xFFFF_FFFFL;                          // cast_kern (32-bit mov)
                if (in.imm() != 1 << 16) throw bad(in, pc);
                long lo = src & 0xFFFF_FFFFL;                                          // cast_user, docs/semantics.md#addr_space_cast
                yield lo == 0 ? 0 : (options.userVmStart() & ~0xFFFF_FFFFL) | lo;
            }
            case 8 -> (byte) src;
            case 16 -> (short) src;
            case 32 -> (int) src;
            default -> throw bad(in, pc);
        };
    }

    private int alu32(Insn in, long[] r, int pc) {
        int dst = (int) r[in.dst()];
        int src = (in.opcode() & Bpf.X) != 0 ? (int) r[in.src()] : in.imm();
        boolean signed = in.off() == 1;
        return switch (in.opcode() & 0xF0) {
            case Bpf.ADD -> dst + src;
            case Bpf.SUB -> dst - src;
            case Bpf.MUL -> dst * src;
            case Bpf.DIV -> src == 0 ? 0 : signed ? (src == -1 ? -dst : dst / src) : Integer.divideUnsigned(dst, src);
            case Bpf.MOD -> src == 0 ? dst : signed ? (src == -1 ? 0 : dst % src) : Integer.remainderUnsigned(dst, src);
            case Bpf.OR -> dst | src;
            case Bpf.AND -> dst & src;
            case Bpf.XOR -> dst ^ src;
            case Bpf.LSH -> dst << (src & 31);
            case Bpf.RSH -> dst >>> (src & 31);
            case Bpf.ARSH -> dst >> (src & 31);
            case Bpf.NEG -> -dst;
            case Bpf.MOV -> switch (in.off()) {
                case 0 -> src;
                case 8 -> (byte) src;
                case 16 -> (short) src;
                default -> throw bad(in, pc);
            };
            default -> throw bad(in, pc);
        };
    }

    /** BPF_ALU | BPF_END: to-BE swaps, to-LE truncates; width 64 keeps all bits (le64 is a no-op). */
    private static long endian(Insn in, long v, int pc) {
        return (in.opcode() & Bpf.X) != 0 ? swap(v, in.imm(), pc) : truncate(v, in.imm(), pc);
    }

    private static long swap(long v, int width, int pc) {
        return switch (width) {
            case 16 -> Short.reverseBytes((short) v) & 0xFFFFL;
            case 32 -> Integer.reverseBytes((int) v) & 0xFFFF_FFFFL;
            case 64 -> Long.reverseBytes(v);
            default -> throw new InterpreterException("insn " + pc + ": bad endianness width " + width);
        };
    }

    private static long truncate(long v, int width, int pc) {
        return switch (width) {
            case 16 -> v & 0xFFFFL;
            case 32 -> v & 0xFFFF_FFFFL;
            case 64 -> v;
            default -> throw new InterpreterException("insn " + pc + ": bad endianness width " + width);
        };
    }

    // ---- jumps ------------------------------------------------------------------------------

    private static boolean condition(Insn in, long[] r, int pc) {
        boolean x = (in.opcode() & Bpf.X) != 0;
        long a, b;
        if (in.cls() == Bpf.JMP) {
            a = r[in.dst()];
            b = x ? r[in.src()] : (long) in.imm();
        } else {
            a = (int) r[in.dst()];      // signed 32-bit views; unsigned compares mask below
            b = x ? (int) r[in.src()] : in.imm();
        }
        boolean narrow = in.cls() == Bpf.JMP32;
        long ua = narrow ? a & 0xFFFF_FFFFL : a, ub = narrow ? b & 0xFFFF_FFFFL : b;
        return switch (in.opcode() & 0xF0) {
            case Bpf.JEQ -> ua == ub;
            case Bpf.JNE -> ua != ub;
            case Bpf.JSET -> (ua & ub) != 0;
            case Bpf.JGT -> Long.compareUnsigned(ua, ub) > 0;
            case Bpf.JGE -> Long.compareUnsigned(ua, ub) >= 0;
            case Bpf.JLT -> Long.compareUnsigned(ua, ub) < 0;
            case Bpf.JLE -> Long.compareUnsigned(ua, ub) <= 0;
            case Bpf.JSGT -> a > b;
            case Bpf.JSGE -> a >= b;
            case Bpf.JSLT -> a < b;
            case Bpf.JSLE -> a <= b;
            default -> throw bad(in, pc);
        };
    }

    // ---- memory -----------------------------------------------------------------------------

    private static int size(Insn in) {
        return switch (in.opcode() & 0x18) {
            case Bpf.B -> 1;
            case Bpf.H -> 2;
            case Bpf.W -> 4;
            default -> 8;
        };
    }

    private static long signExtend(long v, int size) {
        return switch (size) {
            case 1 -> (byte) v;
            case 2 -> (short) v;
            case 4 -> (int) v;
            default -> v;
        };
    }

    private static long truncateTo(long v, int size) {
        return size == 8 ? v : v & ((1L << (8 * size)) - 1);
    }

    private void ldx(Insn in, long[] r, int pc) {
        int size = size(in);
        switch (in.opcode() & 0xE0) {
            case Bpf.MEM -> r[in.dst()] = load(r[in.src()] + in.off(), size, pc);
            case Bpf.MEMSX -> r[in.dst()] = signExtend(load(r[in.src()] + in.off(), size, pc), size);
            case Bpf.PROBE_MEM32, Bpf.PROBE_MEM32SX -> {
                long k = kernelAddress(r[in.src()], in.off());
                if (!present(k, size)) {
                    report(false, r[in.src()], in.off());
                    r[in.dst()] = 0;
                    return;
                }
                long v = arena.load(k, size);
                r[in.dst()] = (in.opcode() & 0xE0) == Bpf.PROBE_MEM32SX ? signExtend(v, size) : v;
            }
            default -> throw bad(in, pc);
        }
    }

    private void st(Insn in, long[] r, int pc) {
        if (in.opcode() == (Bpf.ST | 0xC0)) return;   // BPF_NOSPEC: a barrier, nothing to interpret
        int size = size(in);
        long value = truncateTo(in.imm(), size);
        switch (in.opcode() & 0xE0) {
            case Bpf.MEM -> store(r[in.dst()] + in.off(), size, value, pc);
            case Bpf.PROBE_MEM32 -> arenaStore(r, in, size, value);
            default -> throw bad(in, pc);
        }
    }

    private void stx(Insn in, long[] r, int pc) {
        int size = size(in);
        switch (in.opcode() & 0xE0) {
            case Bpf.MEM -> store(r[in.dst()] + in.off(), size, truncateTo(r[in.src()], size), pc);
            case Bpf.PROBE_MEM32 -> arenaStore(r, in, size, truncateTo(r[in.src()], size));
            case Bpf.ATOMIC -> atomic(in, r, pc, size, false);
            case Bpf.PROBE_ATOMIC -> {
                long k = kernelAddress(r[in.dst()], in.off());
                if (in.imm() == Bpf.LOAD_ACQ) k = kernelAddress(r[in.src()], in.off());
                if (!present(k, size)) {
                    if (in.imm() == Bpf.LOAD_ACQ && options.era().loadAcquireExtableLikeLoad()) {
                        // from E5 a load-acquire's extable entry is an LDX's: src is the pointer, dst cleared
                        report(false, r[in.src()], in.off());
                        r[in.dst()] = 0;
                        return;
                    }
                    // every other PROBE_ATOMIC: dst is the pointer and the fault a WRITE; in the eras
                    // that zero it, the fetch register of a read-modify-write is cleared
                    report(true, r[in.dst()], in.off());
                    int fetch = Bpf.fetchDestination(in.imm(), in.src());
                    if (fetch >= 0 && options.era().atomicFaultClearsFetchRegister()) r[fetch] = 0;
                    return;
                }
                atomic(in, r, pc, size, true);
            }
            default -> throw bad(in, pc);
        }
    }

    private void arenaStore(long[] r, Insn in, int size, long value) {
        long k = kernelAddress(r[in.dst()], in.off());
        if (!present(k, size)) {
            report(true, r[in.dst()], in.off());
            return;
        }
        arena.store(k, size, value);
    }

    private void atomic(Insn in, long[] r, int pc, int size, boolean inArena) {
        int op = in.imm();
        if (op == Bpf.LOAD_ACQ) {
            long at = r[in.src()] + in.off();
            r[in.dst()] = inArena ? arena.load(kernelAddress(r[in.src()], in.off()), size) : load(at, size, pc);
            return;
        }
        long at = inArena ? kernelAddress(r[in.dst()], in.off()) : r[in.dst()] + in.off();
        if (op == Bpf.STORE_REL) {
            write(inArena, at, size, truncateTo(r[in.src()], size), pc);
            return;
        }
        if (size != 4 && size != 8) throw new InterpreterException("insn " + pc + ": 1- and 2-byte RMW atomics are not supported");
        long old = inArena ? arena.load(at, size) : load(at, size, pc);
        long src = truncateTo(r[in.src()], size);
        switch (op & ~Bpf.FETCH) {
            case Bpf.ADD -> write(inArena, at, size, truncateTo(old + src, size), pc);
            case Bpf.AND -> write(inArena, at, size, old & src, pc);
            case Bpf.OR -> write(inArena, at, size, old | src, pc);
            case Bpf.XOR -> write(inArena, at, size, old ^ src, pc);
            case Bpf.XCHG & ~Bpf.FETCH -> write(inArena, at, size, src, pc);
            case Bpf.CMPXCHG & ~Bpf.FETCH -> {
                if (old == truncateTo(r[0], size)) write(inArena, at, size, src, pc);
                r[0] = old;     // zero-extended for 32 bits (verifier zext / x86 write of eax)
                return;
            }
            default -> throw new InterpreterException(String.format("insn %d: unknown atomic op 0x%x", pc, op));
        }
        if ((op & Bpf.FETCH) != 0) r[in.src()] = old;
    }

    private void write(boolean inArena, long at, int size, long value, int pc) {
        if (inArena) arena.store(at, size, value); else store(at, size, value, pc);
    }

    private long kernelAddress(long pointer, short off) {
        return options.kernVmStart() + pointer + off;
    }

    private boolean present(long kernelAddress, int size) {
        return arena.present(kernelAddress) && arena.present(kernelAddress + size - 1);
    }

    private void report(boolean write, long pointer, short off) {
        if (!options.reportsArenaFaults()) return;   // before v6.18 the fixup is silent
        stderr.add(ArenaViolationReport.line(write, ArenaViolationReport.userAddress(pointer, off, options.userVmStart())));
    }

    /** Offset into {@link #stack} of [address, address+size), or -1 when it is not stack memory. */
    private int stackOffset(long address, int size) {
        long bottom = framePointer - stack.capacity();
        if (address >= bottom && address + size <= framePointer) return (int) (address - bottom);
        return -1;
    }

    private long load(long address, int size, int pc) {
        int at = stackOffset(address, size);
        if (at < 0) return memory.load(address, size);
        return switch (size) {
            case 1 -> stack.get(at) & 0xFFL;
            case 2 -> stack.getShort(at) & 0xFFFFL;
            case 4 -> stack.getInt(at) & 0xFFFF_FFFFL;
            default -> stack.getLong(at);
        };
    }

    private void store(long address, int size, long value, int pc) {
        int at = stackOffset(address, size);
        if (at < 0) {
            memory.store(address, size, value);
            return;
        }
        switch (size) {
            case 1 -> stack.put(at, (byte) value);
            case 2 -> stack.putShort(at, (short) value);
            case 4 -> stack.putInt(at, (int) value);
            default -> stack.putLong(at, value);
        }
    }
}
