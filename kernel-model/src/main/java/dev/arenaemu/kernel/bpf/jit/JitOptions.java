package dev.arenaemu.kernel.bpf.jit;

import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.bpf.isa.Bpf;

import java.util.List;

/**
 * Values the kernel JIT reads once and bakes into the image: the arena's kernel and user bases
 * ({@code bpf_arena_get_kern_vm_start} / {@code bpf_arena_get_user_vm_start}, 0 when the program
 * uses no arena) and the stack depth the verifier computed for each function
 * ({@code func[i]->aux->stack_depth = subprog_info[i].stack_depth} in {@code jit_subprogs};
 * {@code emit_prologue} reserves {@code round_up(depth, 8)}, nothing for 0).
 * {@code reportsArenaFaults} says whether the fault fixup also writes the v6.18
 * {@code bpf_prog_report_arena_violation} line to the program's stderr (see
 * {@link KernelEra#reportsArenaFaults()}); the fixup itself happens in every era.
 *
 * <p>{@code functionStackDepths} holds one depth per function in entry order; empty means every
 * function gets {@code stackDepth} (programs that did not go through the verifier).
 * {@code era} picks the kernel-version encodings ({@link KernelEra#xchgHasLockPrefix()}),
 * {@code profile} the CPU features and build options ({@link JitProfile}). {@code xlated} says the
 * instructions are the verifier's output, with do_misc_fixups' guards already in them; when false
 * (a raw program handed to the JIT directly, as tests and the conformance plugin do) the JIT first
 * applies the same fix-ups itself ({@link dev.arenaemu.kernel.bpf.verifier.MiscFixups}), so it never
 * emits an unguarded division.
 */
public record JitOptions(long kernVmStart, long userVmStart, int stackDepth, boolean reportsArenaFaults,
                         List<Integer> functionStackDepths, KernelEra era, JitProfile profile, boolean xlated) {
    public JitOptions {
        if (stackDepth < 0 || stackDepth > Bpf.MAX_BPF_STACK) throw new IllegalArgumentException("stack depth " + stackDepth);
        functionStackDepths = List.copyOf(functionStackDepths);
        for (int d : functionStackDepths) {
            if (d < 0 || d > Bpf.MAX_BPF_STACK) throw new IllegalArgumentException("function stack depth " + d);
        }
        if (era == null || profile == null) throw new NullPointerException("era and profile are required");
    }

    /** Options of a raw program (no per-function depths, not xlated) on the latest era and the emulated CPU. */
    public JitOptions(long kernVmStart, long userVmStart, int stackDepth, boolean reportsArenaFaults) {
        this(kernVmStart, userVmStart, stackDepth, reportsArenaFaults, List.of(), KernelEra.DEFAULT, JitProfile.EMULATED_CPU, false);
    }

    /** Options of a v6.18+ kernel, which reports arena faults. */
    public JitOptions(long kernVmStart, long userVmStart, int stackDepth) {
        this(kernVmStart, userVmStart, stackDepth, true);
    }

    /** The same options with fault reports on or off (the kernel era decides). */
    public JitOptions withArenaFaultReports(boolean reports) {
        return new JitOptions(kernVmStart, userVmStart, stackDepth, reports, functionStackDepths, era, profile, xlated);
    }

    /** The verifier's output: one stack depth per function, guards already inserted. */
    public JitOptions verified(List<Integer> depths) {
        int max = depths.stream().mapToInt(Integer::intValue).max().orElse(0);
        return new JitOptions(kernVmStart, userVmStart, max, reportsArenaFaults, depths, era, profile, true);
    }

    public JitOptions withEra(KernelEra e) {
        return new JitOptions(kernVmStart, userVmStart, stackDepth, reportsArenaFaults, functionStackDepths, e, profile, xlated);
    }

    public JitOptions withProfile(JitProfile p) {
        return new JitOptions(kernVmStart, userVmStart, stackDepth, reportsArenaFaults, functionStackDepths, era, p, xlated);
    }

    /** The stack depth of function {@code f} (0 = entry). */
    public int stackDepthOf(int f) {
        if (functionStackDepths.isEmpty()) return stackDepth;
        if (f >= functionStackDepths.size()) throw new JitException("no stack depth for function " + f + " (" + functionStackDepths.size() + " given)");
        return functionStackDepths.get(f);
    }

    /** A program without an arena and the maximum stack. */
    public static final JitOptions PLAIN = new JitOptions(0, 0, Bpf.MAX_BPF_STACK);

    public static JitOptions arena(long kernVmStart, long userVmStart) {
        return new JitOptions(kernVmStart, userVmStart, Bpf.MAX_BPF_STACK);
    }

    public boolean hasArena() {
        return kernVmStart != 0;
    }
}
