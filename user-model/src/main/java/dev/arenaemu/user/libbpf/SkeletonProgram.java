package dev.arenaemu.user.libbpf;

import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.kernel.bpf.BpfProg;
import dev.arenaemu.kernel.bpf.BpfSyscall;
import dev.arenaemu.kernel.bpf.TestRunResult;

/** {@code skel->progs.x}: a loaded program and {@code bpf_prog_test_run_opts} on it. */
public final class SkeletonProgram {
    private final BpfSyscall bpf;
    private final BpfProg prog;

    SkeletonProgram(BpfSyscall bpf, BpfProg prog) {
        this.bpf = bpf;
        this.prog = prog;
    }

    public BpfProg prog() { return prog; }
    public String name() { return prog.name(); }

    /** BPF_PROG_TEST_RUN with R1..R5 = {@code args}. */
    public TestRunResult testRun(long... args) {
        return bpf.progTestRun(prog, args);
    }

    public TestRunResult testRun(Budget budget, long... args) {
        return bpf.progTestRun(prog, budget, args);
    }
}
