package dev.arenaemu.scenarios.format;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One scenario file, fully checked: every symbol, process and program a step names exists, and
 * every number is in range. What can only be known while replaying (an address not yet fixed)
 * is checked then, and reported with the step index.
 *
 * @param processes   user processes that exist at the start, in order; forks add more
 * @param inject      fault injection active for the whole replay (steps may add their own)
 * @param finalState  expectations checked after the last step, before teardown
 * @param maxInstructions instruction budget per CPU run (user code, BPF program)
 * @param expectViolations invariants the scenario reproduces a kernel bug against: they must
 *                   break (at least once each), and no other may
 * @param expectKernelReports kinds of kernel reports (dangling_vma, use_after_free, warning) the scenario must provoke; any other report fails it
 * @param capabilities what the caller may do (default CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN)
 * @param cpus        how many kernel CPUs the machine has (default {@link #DEFAULT_CPUS})
 */
public record Scenario(Path file, String name, String description, Set<Era> eras, long seed,
                       List<String> processes, Map<String, ProgramSpec> programs, List<Inject> inject,
                       List<Step> steps, Expect finalState, long maxInstructions,
                       Set<String> expectViolations, Set<String> expectKernelReports, Set<String> capabilities, int cpus) {
    public static final int DEFAULT_CPUS = dev.arenaemu.emulator.cpu.Machine.DEFAULT_CPUS;
    public static final int MAX_CPUS = 8;

    /** A scenario on the default number of CPUs. */
    public Scenario(Path file, String name, String description, Set<Era> eras, long seed,
                    List<String> processes, Map<String, ProgramSpec> programs, List<Inject> inject,
                    List<Step> steps, Expect finalState, long maxInstructions,
                    Set<String> expectViolations, Set<String> expectKernelReports, Set<String> capabilities) {
        this(file, name, description, eras, seed, processes, programs, inject, steps, finalState, maxInstructions,
            expectViolations, expectKernelReports, capabilities, DEFAULT_CPUS);
    }
    public static final List<String> CAPABILITIES = List.of("CAP_BPF", "CAP_PERFMON", "CAP_SYS_ADMIN");
    public static final List<String> INVARIANTS = List.of("user-pte-matches-kernel", "kernel-pte-in-range", "populated-not-free",
        "frame-refcount", "no-freed-frame-mapped", "vma-list-matches", "teardown-returns-frames");
    public static final List<String> KERNEL_REPORTS = List.of("dangling_vma", "use_after_free", "warning");

    public static final long DEFAULT_MAX_INSTRUCTIONS = 1_000_000;
    public static final int MAX_STEPS = 100_000;
}
