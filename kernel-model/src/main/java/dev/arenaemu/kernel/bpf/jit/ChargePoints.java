package dev.arenaemu.kernel.bpf.jit;

import dev.arenaemu.kernel.bpf.isa.Bpf;
import dev.arenaemu.kernel.bpf.isa.Insn;

import java.util.List;

/**
 * Where a BPF program's run is charged against its instruction budget, and how much: the
 * deterministic budget that lets JIT'd code run without a hook per instruction and keep the
 * kernel's bytes (emulator {@code Budget}).
 *
 * <p>The points are every function entry and every loop head: an instruction that a jump at or
 * after it reaches. Every cycle of a program's control flow has an edge that goes back to a lower
 * or equal index, so every loop passes a point. The weight of a point is the longest run of
 * instructions that can follow it before the next point or an exit, a call counting as one
 * instruction (the callee charges its own entry). A run is therefore never charged less than
 * the instructions it executed, and charging stops a runaway loop after at most one iteration
 * past the budget.
 *
 * <p>The JIT's runtime charges at the x86 address where a point's code starts
 * ({@link JitRuntime}), the reference interpreter when it reaches the point, with the same
 * weights: both stop a program at the same point. (An instruction the x86 JIT emits no code for,
 * like {@code r1 = r1}, shares its address with the next one; two points there are charged
 * together before either runs, which the interpreter's order cannot observe.)
 */
public record ChargePoints(int[] insns, long[] weights) {
    /** No points: hand-made code, which must not loop. */
    public static final ChargePoints NONE = new ChargePoints(new int[0], new long[0]);

    public ChargePoints {
        if (insns.length != weights.length) throw new IllegalArgumentException("one weight per point");
    }

    /** The points of a program whose functions start at {@code functionStarts} (0 first). */
    public static ChargePoints of(List<Insn> program, int[] functionStarts) {
        int n = program.size();
        boolean[] point = new boolean[n];
        for (int start : functionStarts) point[start] = true;
        for (int i = 0; i < n; i++) {
            for (int target : successors(program, i)) {
                if (target <= i && target >= 0) point[target] = true;
            }
            if (program.get(i).isLdImm64()) i++;
        }
        // Every successor that is not a point lies after its instruction, so one backward pass
        // sees it before the instructions that reach it.
        long[] longest = new long[n + 2];
        for (int i = n - 1; i >= 0; i--) {
            long tail = 0;
            for (int s : successors(program, i)) {
                if (s > i && s < n && !point[s]) tail = Math.max(tail, longest[s]);
            }
            longest[i] = 1 + tail;
        }
        int count = 0;
        for (boolean p : point) if (p) count++;
        int[] at = new int[count];
        long[] weight = new long[count];
        for (int i = 0, k = 0; i < n; i++) {
            if (point[i]) {
                at[k] = i;
                weight[k++] = longest[i];
            }
        }
        return new ChargePoints(at, weight);
    }

    /** What instruction {@code i} hands control to within its function (a call continues after itself). */
    private static int[] successors(List<Insn> program, int i) {
        Insn in = program.get(i);
        if (in.isLdImm64()) return new int[] {i + 2};
        if (in.cls() != Bpf.JMP && in.cls() != Bpf.JMP32) return new int[] {i + 1};
        int op = in.op();
        if (in.cls() == Bpf.JMP && op == Bpf.EXIT) return new int[0];
        if (in.cls() == Bpf.JMP && op == Bpf.CALL) return new int[] {i + 1};
        if (op == Bpf.JA) return new int[] {i + 1 + (in.cls() == Bpf.JMP ? in.off() : in.imm())};
        return new int[] {i + 1, i + 1 + in.off()};
    }

    /** Per instruction: the weight charged on reaching it, 0 where nothing is charged. */
    public long[] weightByInsn(int programLength) {
        long[] out = new long[programLength];
        for (int k = 0; k < insns.length; k++) out[insns[k]] = weights[k];
        return out;
    }
}
