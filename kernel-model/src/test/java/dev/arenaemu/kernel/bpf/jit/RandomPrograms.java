package dev.arenaemu.kernel.bpf.jit;

import dev.arenaemu.kernel.bpf.isa.Bpf;
import dev.arenaemu.kernel.bpf.isa.Insn;
import dev.arenaemu.kernel.bpf.isa.Kfunc;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.random.RandomGenerator;

/**
 * Random valid programs for the JIT/interpreter differential test: straight-line code with
 * forward jumps only (so every program terminates) over ALU/ALU64, JMP/JMP32, LD_IMM64, stack
 * LDX/STX/ST/atomics, arena PROBE_MEM32/PROBE_ATOMIC accesses to populated pages, absent pages
 * and both guards, cast_user, helper/kfunc calls and a bpf-to-bpf call.
 *
 * <p>The main function ends by storing R0..R9 to the stack, so the comparison of stack bytes
 * covers every register. What the verifier would guarantee is kept: arena pointers have their upper 32 bits clear
 * (set by a 32-bit move right before the access), R10 is only a base, accesses are naturally
 * aligned, callee-saved registers and R0 are written before they are read.
 */
final class RandomPrograms {
    /** Arena pages the fixture populates; 2 stays absent. */
    static final int[] POPULATED = {0, 1, 3};
    static final int ARENA_PAGES = 4;

    private final RandomGenerator rnd;

    RandomPrograms(long seed) {
        this(new Random(seed));
    }

    /** Choices from any source: a seeded {@link Random}, or the fuzzer's bytes (JitDifferentialFuzzTest). */
    RandomPrograms(RandomGenerator choices) {
        this.rnd = choices;
    }

    long randomArg() { return value(); }

    List<Insn> program() {
        return shape().insns();
    }

    /**
     * A program before its jumps are resolved: main-function items (each one instruction or a
     * group that must stay together, such as the 32-bit move that makes an arena pointer and the
     * access through it), then the subprogram if any item calls it. Jumps name the item they land
     * on, so dropping items keeps every jump forward and in range: the differential test's reducer
     * works on shapes.
     */
    record Shape(List<Item> items, List<Insn> subprogram) {
        /** The first items set R0 and R6..R9, which must be written before they are read: a reducer keeps them. */
        static final int PROLOGUE = 5;

        List<Insn> insns() {
            int[] start = new int[items.size() + 1];
            for (int i = 0, pos = 0; i <= items.size(); i++) {
                start[i] = pos;
                if (i < items.size()) pos += items.get(i).slots();
            }
            // make every register observable: R0..R9 end up in the top 80 stack bytes
            int subStart = start[items.size()] + 11;
            List<Insn> out = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                switch (items.get(i)) {
                    case Item.Code c -> out.addAll(c.insns());
                    case Item.Jump j -> {
                        Insn t = j.template();
                        int off = start[j.target()] - (start[i] + 1);
                        boolean imm = (t.opcode() & 0xF0) == Bpf.JA && t.cls() == Bpf.JMP32;
                        out.add(imm ? new Insn(t.opcode(), 0, 0, 0, off) : new Insn(t.opcode(), t.dst(), t.src(), off, t.imm()));
                    }
                    case Item.CallSub c -> out.add(new Insn(Bpf.JMP | Bpf.CALL, 0, Bpf.PSEUDO_CALL, 0, subStart - (start[i] + 1)));
                }
            }
            for (int r = 0; r <= 9; r++) out.add(new Insn(Bpf.STX | Bpf.MEM | Bpf.DW, 10, r, -8 * (r + 1), 0));
            out.add(new Insn(Bpf.JMP | Bpf.EXIT, 0, 0, 0, 0));
            out.addAll(subprogram);
            return out;
        }

        /** The shape without item {@code i}: jumps to later items follow them, a jump to {@code i} lands on its successor. */
        Shape without(int i) {
            List<Item> out = new ArrayList<>();
            for (int k = 0; k < items.size(); k++) {
                if (k == i) continue;
                Item it = items.get(k);
                if (it instanceof Item.Jump j && j.target() > i) it = new Item.Jump(j.template(), j.target() - 1);
                out.add(it);
            }
            return new Shape(out, subprogram);
        }

        /** Smaller shapes for a reducer: one item dropped (never the prologue), or the subprogram when nothing calls it. */
        List<Shape> smaller() {
            List<Shape> out = new ArrayList<>();
            if (!subprogram.isEmpty() && items.stream().noneMatch(it -> it instanceof Item.CallSub)) out.add(new Shape(items, List.of()));
            for (int i = items.size() - 1; i >= PROLOGUE; i--) out.add(without(i));
            return out;
        }
    }

    sealed interface Item {
        default int slots() { return this instanceof Code c ? c.insns().size() : 1; }

        record Code(List<Insn> insns) implements Item {}

        /** A conditional or unconditional jump whose offset is resolved to land on item {@code target} (items.size() = the tail). */
        record Jump(Insn template, int target) implements Item {}

        /** bpf-to-bpf call of the subprogram. */
        record CallSub() implements Item {}
    }

    Shape shape() {
        List<Item> items = new ArrayList<>();
        List<Integer> jumpItems = new ArrayList<>();
        for (int r : new int[] {0, 6, 7, 8, 9}) items.add(code(new Insn(Bpf.ALU64 | Bpf.MOV | Bpf.K, r, 0, 0, imm())));
        boolean subprog = rnd.nextInt(4) == 0;
        int n = 1 + rnd.nextInt(40);
        for (int i = 0; i < n; i++) {
            int kind = rnd.nextInt(100);
            if (kind < 30) items.add(code(alu()));
            else if (kind < 34) items.add(new Item.Code(ldImm64()));
            else if (kind < 50) items.add(new Item.Code(stack()));
            else if (kind < 72) items.add(new Item.Code(arena()));
            else if (kind < 75) items.add(code(new Insn(Bpf.ALU64 | Bpf.MOV | Bpf.X, reg(), reg(), Bpf.ADDR_SPACE_CAST, 1 << 16)));
            else if (kind < 90) { jumpItems.add(items.size()); items.add(null); }
            else if (kind < 95) items.add(code(call()));
            else if (subprog) items.add(new Item.CallSub());
            else items.add(code(alu()));
        }
        // jumps: each to a later item (or the tail)
        for (int i : jumpItems) items.set(i, new Item.Jump(jump(0), 0));
        for (int i : jumpItems) {
            Item.Jump j = (Item.Jump) items.get(i);
            items.set(i, new Item.Jump(j.template(), i + 1 + rnd.nextInt(items.size() - i)));
        }
        return new Shape(items, subprog ? subprogram() : List.of());
    }

    private static Item code(Insn insn) {
        return new Item.Code(List.of(insn));
    }

    /** Uses R0..R9 (R6..R9 are callee-saved: the caller must see them unchanged) and its own stack. */
    private List<Insn> subprogram() {
        List<Insn> out = new ArrayList<>();
        for (int i = 0, n = 1 + rnd.nextInt(6); i < n; i++) out.add(alu());
        int off = -8 * (1 + rnd.nextInt(64));
        out.add(new Insn(Bpf.STX | Bpf.MEM | Bpf.DW, 10, reg(), off, 0));
        out.add(new Insn(Bpf.LDX | Bpf.MEM | Bpf.DW, reg(), 10, off, 0));
        out.add(new Insn(Bpf.ALU64 | Bpf.ADD | Bpf.X, 0, reg(), 0, 0));
        out.add(new Insn(Bpf.JMP | Bpf.EXIT, 0, 0, 0, 0));
        return out;
    }

    private int reg() { return rnd.nextInt(10); }

    private int imm() {
        return switch (rnd.nextInt(8)) {
            case 0 -> 0;
            case 1 -> rnd.nextInt(3) - 1;
            case 2 -> Integer.MIN_VALUE;
            case 3 -> Integer.MAX_VALUE;
            case 4 -> rnd.nextInt(64);
            case 5 -> rnd.nextInt(256) - 128;
            default -> rnd.nextInt();
        };
    }

    private long value() {
        return switch (rnd.nextInt(6)) {
            case 0 -> imm();
            case 1 -> Long.MIN_VALUE;
            case 2 -> rnd.nextInt() & 0xFFFF_FFFFL;
            default -> rnd.nextLong();
        };
    }

    private static final int[] ALU_OPS = {Bpf.ADD, Bpf.SUB, Bpf.MUL, Bpf.DIV, Bpf.OR, Bpf.AND, Bpf.LSH, Bpf.RSH, Bpf.NEG,
        Bpf.MOD, Bpf.XOR, Bpf.MOV, Bpf.ARSH, Bpf.END};

    private Insn alu() {
        boolean w = rnd.nextBoolean();
        int cls = w ? Bpf.ALU64 : Bpf.ALU;
        int op = ALU_OPS[rnd.nextInt(ALU_OPS.length)];
        boolean x = rnd.nextBoolean();
        int dst = reg();
        int src = x ? reg() : 0;
        int imm = x ? 0 : imm();
        int off = 0;
        switch (op) {
            case Bpf.DIV, Bpf.MOD -> off = rnd.nextInt(3) == 0 ? 1 : 0;
            case Bpf.LSH, Bpf.RSH, Bpf.ARSH -> { if (!x) imm = rnd.nextInt(w ? 64 : 32); }
            case Bpf.NEG -> { x = false; imm = 0; src = 0; }
            case Bpf.MOV -> { if (x && rnd.nextInt(3) == 0) off = w ? new int[] {8, 16, 32}[rnd.nextInt(3)] : new int[] {8, 16}[rnd.nextInt(2)]; }
            case Bpf.END -> {
                imm = new int[] {16, 32, 64}[rnd.nextInt(3)];
                src = 0;
                if (w) x = false;        // ALU64 | END | K: unconditional bswap
            }
            default -> { }
        }
        return new Insn(cls | op | (x ? Bpf.X : Bpf.K), dst, src, off, imm);
    }

    private List<Insn> ldImm64() {
        long v = value();
        int dst = reg();
        return List.of(new Insn(Bpf.LD | Bpf.IMM | Bpf.DW, dst, 0, 0, (int) v), new Insn(0, 0, 0, 0, (int) (v >>> 32)));
    }

    private static final int[] SIZES = {Bpf.B, Bpf.H, Bpf.W, Bpf.DW};

    private static int bytes(int size) {
        return switch (size) { case Bpf.B -> 1; case Bpf.H -> 2; case Bpf.W -> 4; default -> 8; };
    }

    /** An 8-byte-slot aligned offset into a 512-byte frame, sub-slot aligned to the access size. */
    private int stackOff(int size) {
        int n = bytes(size);
        return -8 * (1 + rnd.nextInt(64)) + n * rnd.nextInt(8 / n);
    }

    private List<Insn> stack() {
        int size = SIZES[rnd.nextInt(4)];
        int off = stackOff(size);
        return switch (rnd.nextInt(7)) {
            case 0 -> List.of(new Insn(Bpf.LDX | Bpf.MEM | size, reg(), 10, off, 0));
            case 1 -> size == Bpf.DW ? List.of(new Insn(Bpf.LDX | Bpf.MEM | size, reg(), 10, off, 0))
                : List.of(new Insn(Bpf.LDX | Bpf.MEMSX | size, reg(), 10, off, 0));
            case 2 -> List.of(new Insn(Bpf.STX | Bpf.MEM | size, 10, reg(), off, 0));
            case 3 -> List.of(new Insn(Bpf.ST | Bpf.MEM | size, 10, 0, off, imm()));
            case 4 -> List.of(rnd.nextBoolean()
                ? new Insn(Bpf.STX | Bpf.ATOMIC | size, reg(), 10, off, Bpf.LOAD_ACQ)
                : new Insn(Bpf.STX | Bpf.ATOMIC | size, 10, reg(), off, Bpf.STORE_REL));
            default -> {
                int s = rnd.nextBoolean() ? Bpf.W : Bpf.DW;
                yield List.of(new Insn(Bpf.STX | Bpf.ATOMIC | s, 10, reg(), stackOff(s), rmwOp(true)));
            }
        };
    }

    private int rmwOp(boolean fetchLogic) {
        int[] ops = fetchLogic
            ? new int[] {Bpf.ADD, Bpf.AND, Bpf.OR, Bpf.XOR, Bpf.ADD | Bpf.FETCH, Bpf.AND | Bpf.FETCH, Bpf.OR | Bpf.FETCH,
                Bpf.XOR | Bpf.FETCH, Bpf.XCHG, Bpf.CMPXCHG}
            : new int[] {Bpf.ADD, Bpf.AND, Bpf.OR, Bpf.XOR, Bpf.ADD | Bpf.FETCH, Bpf.XCHG, Bpf.CMPXCHG};
        return ops[rnd.nextInt(ops.length)];
    }

    /** mov32 p, K; then one arena access through p. */
    private List<Insn> arena() {
        int p = reg();
        int pointer;
        int off;
        switch (rnd.nextInt(10)) {
            case 0 -> { pointer = 0; off = -8 * (1 + rnd.nextInt(4)); }                  // lower guard
            case 1 -> { pointer = 0xFFFF_FFF0; off = 16 + 8 * rnd.nextInt(4); }           // upper guard
            case 2 -> { pointer = (100 + rnd.nextInt(1000)) * 4096 + 8 * rnd.nextInt(512); off = 0; }   // never populated
            default -> { pointer = rnd.nextInt(ARENA_PAGES) * 4096 + 8 * rnd.nextInt(512); off = 8 * (rnd.nextInt(9) - 4); }
        }
        List<Insn> out = new ArrayList<>();
        out.add(new Insn(Bpf.ALU | Bpf.MOV | Bpf.K, p, 0, 0, pointer));
        int size = SIZES[rnd.nextInt(4)];
        int v = reg();
        switch (rnd.nextInt(7)) {
            case 0 -> out.add(new Insn(Bpf.LDX | Bpf.PROBE_MEM32 | size, v, p, off, 0));
            case 1 -> out.add(size == Bpf.DW ? new Insn(Bpf.LDX | Bpf.PROBE_MEM32 | size, v, p, off, 0)
                : new Insn(Bpf.LDX | Bpf.PROBE_MEM32SX | size, v, p, off, 0));
            case 2 -> out.add(new Insn(Bpf.STX | Bpf.PROBE_MEM32 | size, p, v, off, 0));
            case 3 -> out.add(new Insn(Bpf.ST | Bpf.PROBE_MEM32 | size, p, 0, off, imm()));
            case 4 -> out.add(rnd.nextBoolean()
                ? new Insn(Bpf.STX | Bpf.PROBE_ATOMIC | size, v, p, off, Bpf.LOAD_ACQ)
                : new Insn(Bpf.STX | Bpf.PROBE_ATOMIC | size, p, v, off, Bpf.STORE_REL));
            default -> out.add(new Insn(Bpf.STX | Bpf.PROBE_ATOMIC | (rnd.nextBoolean() ? Bpf.W : Bpf.DW), p, v, off, rmwOp(false)));
        }
        return out;
    }

    private static final int[] JMP_OPS = {Bpf.JA, Bpf.JEQ, Bpf.JGT, Bpf.JGE, Bpf.JSET, Bpf.JNE, Bpf.JSGT, Bpf.JSGE,
        Bpf.JLT, Bpf.JLE, Bpf.JSLT, Bpf.JSLE};

    private Insn jump(int off) {
        int op = JMP_OPS[rnd.nextInt(JMP_OPS.length)];
        int cls = rnd.nextBoolean() ? Bpf.JMP : Bpf.JMP32;
        if (op == Bpf.JA) return new Insn(cls | Bpf.JA, 0, 0, 0, 0);
        boolean x = rnd.nextBoolean();
        return new Insn(cls | op | (x ? Bpf.X : Bpf.K), reg(), x ? reg() : 0, off, x ? 0 : imm());
    }

    private Insn call() {
        if (rnd.nextBoolean()) return new Insn(Bpf.JMP | Bpf.CALL, 0, 0, 0, 1 + rnd.nextInt(200));
        Kfunc k = Kfunc.values()[rnd.nextInt(Kfunc.values().length)];
        return new Insn(Bpf.JMP | Bpf.CALL, 0, Bpf.PSEUDO_KFUNC_CALL, 0, k.id);
    }
}
