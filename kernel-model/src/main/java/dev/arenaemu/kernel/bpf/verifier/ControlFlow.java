package dev.arenaemu.kernel.bpf.verifier;

import dev.arenaemu.kernel.Errno;

import static dev.arenaemu.kernel.bpf.isa.Bpf.*;

import dev.arenaemu.kernel.bpf.isa.Insn;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The structural checks of check_subprogs and check_cfg: subprogram boundaries from bpf-to-bpf
 * call targets, jumps that stay inside their subprogram, a jump or exit as each subprogram's last
 * instruction, no jumps into the second half of an ld_imm64, no back-edges for loaders without
 * CAP_BPF, and no unreachable instructions.
 */
final class ControlFlow {
    final List<Integer> subprogStarts;
    final boolean[] reachable;
    private final List<Insn> insns;
    private final boolean[] secondHalf;

    ControlFlow(List<Insn> insns, boolean bpfCapable) {
        this.insns = insns;
        secondHalf = secondHalves(insns);
        subprogStarts = findSubprogs();
        checkJumps();
        reachable = new boolean[insns.size()];
        explore(bpfCapable);
        requireExitReachable();
    }

    /**
     * Every instruction must have a path to an exit. The kernel proves loop termination by
     * exploring iterations with exact scalar bounds and reports "infinite loop detected at insn
     * %d" when a state repeats; this verifier has no scalar bounds, so it rejects only loops that
     * can never leave (a loop with an exit edge is accepted; the CPU budget bounds it at run time).
     */
    private void requireExitReachable() {
        int n = insns.size();
        boolean[] exits = new boolean[n];
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int i = n - 1; i >= 0; i--) {
                if (exits[i] || secondHalf[i]) continue;
                boolean leaves = insns.get(i).isExit();
                for (int w : successors(i)) leaves |= w < n && exits[w];
                if (leaves) {
                    exits[i] = true;
                    changed = true;
                }
            }
        }
        // name the loop head (the kernel reports where the state repeats): the target of a back-edge
        int stuck = -1;
        for (int j = 0; j < n; j++) {
            if (exits[j] || secondHalf[j]) continue;
            if (stuck < 0) stuck = j;
            for (int w : successors(j)) {
                if (w <= j && !exits[w]) {
                    throw new VerifierException(Errno.EINVAL, w, "infinite loop detected at insn " + w);
                }
            }
        }
        if (stuck >= 0) throw new VerifierException(Errno.EINVAL, stuck, "infinite loop detected at insn " + stuck);
    }

    /** Index of the subprogram containing instruction {@code i}. */
    int subprogOf(int i) {
        int s = 0;
        for (int k = 0; k < subprogStarts.size(); k++) if (subprogStarts.get(k) <= i) s = k;
        return s;
    }

    int subprogEnd(int k) {
        return k + 1 < subprogStarts.size() ? subprogStarts.get(k + 1) : insns.size();
    }

    /** secondHalf[i]: slot i is the second slot of an ld_imm64 (found by walking whole instructions from 0). */
    private static boolean[] secondHalves(List<Insn> insns) {
        boolean[] second = new boolean[insns.size()];
        for (int i = 0; i < insns.size(); i++) {
            if (insns.get(i).isLdImm64() && i + 1 < insns.size()) second[++i] = true;
        }
        return second;
    }

    private List<Integer> findSubprogs() {
        TreeSet<Integer> starts = new TreeSet<>();
        starts.add(0);
        for (int i = 0; i < insns.size(); i++) {
            Insn insn = insns.get(i);
            if (insn.isCall() && insn.src() == PSEUDO_CALL) {
                long target = (long) i + insn.imm() + 1;
                if (target < 0 || target >= insns.size()) throw new VerifierException(Errno.EINVAL, i, "call to invalid destination");
                starts.add((int) target);
            }
            if (insn.isLdImm64()) i++;
        }
        return new ArrayList<>(starts);
    }

    private void checkJumps() {
        for (int k = 0; k < subprogStarts.size(); k++) {
            int start = subprogStarts.get(k), end = subprogEnd(k);
            for (int i = start; i < end; i++) {
                Insn insn = insns.get(i);
                if (isJump(insn)) {
                    long target = jumpTarget(insn, i);
                    if (target < start || target >= end) {
                        throw new VerifierException(Errno.EINVAL, i, "jump out of range from insn " + i + " to " + target);
                    }
                    if (secondHalf[(int) target]) {
                        throw new VerifierException(Errno.EINVAL, i, "jump into the middle of ldimm64 insn " + (target - 1));
                    }
                }
                if (insn.isLdImm64()) i++;
            }
            Insn last = insns.get(end - 1);
            boolean ok = last.isExit() || last.opcode() == (JMP | JA) || last.opcode() == (JMP32 | JA);
            if (!ok || secondHalf[end - 1]) throw new VerifierException(Errno.EINVAL, end - 1, "last insn is not an exit or jmp");
        }
    }

    static boolean isJump(Insn insn) {
        int cls = insn.cls();
        return (cls == JMP || cls == JMP32) && insn.op() != CALL && insn.op() != EXIT;
    }

    static long jumpTarget(Insn insn, int i) {
        return (long) i + 1 + (insn.opcode() == (JMP32 | JA) ? insn.imm() : insn.off());
    }

    /** Successor instructions in the control-flow graph (calls fall through; the callee is its own root). */
    List<Integer> successors(int i) {
        Insn insn = insns.get(i);
        List<Integer> next = new ArrayList<>(2);
        if (insn.isExit()) return next;
        if (isJump(insn)) {
            next.add((int) jumpTarget(insn, i));
            if (insn.op() == JA) return next;
        }
        next.add(i + (insn.isLdImm64() ? 2 : 1));
        return next;
    }

    /** Iterative depth-first search from every subprogram entry, as check_cfg does. */
    private void explore(boolean bpfCapable) {
        int n = insns.size();
        int[] state = new int[n]; // 0 unseen, 1 on stack, 2 done
        for (int root : subprogStarts) {
            if (state[root] != 0) continue;
            List<int[]> stack = new ArrayList<>();
            stack.add(new int[] {root, 0});
            state[root] = 1;
            while (!stack.isEmpty()) {
                int[] top = stack.get(stack.size() - 1);
                List<Integer> succ = successors(top[0]);
                if (top[1] < succ.size()) {
                    int w = succ.get(top[1]++);
                    if (w >= n) throw new VerifierException(Errno.EINVAL, top[0], "jump out of range from insn " + top[0] + " to " + w);
                    if (state[w] == 1 && !bpfCapable) {
                        throw new VerifierException(Errno.EINVAL, top[0], "back-edge from insn " + top[0] + " to " + w);
                    }
                    if (state[w] == 0) {
                        state[w] = 1;
                        stack.add(new int[] {w, 0});
                    }
                } else {
                    state[top[0]] = 2;
                    stack.remove(stack.size() - 1);
                }
            }
        }
        for (int i = 0; i < n; i++) {
            if (state[i] == 2) {
                reachable[i] = true;
                if (insns.get(i).isLdImm64()) reachable[++i] = true;
            } else {
                throw new VerifierException(Errno.EINVAL, i, "unreachable insn " + i);
            }
        }
    }
}
