package dev.arenaemu.scenarios.replay;

import java.util.List;

/**
 * What one executed step showed, for the sweep's judgement of injected failures: the step's
 * trace line, the fault-injection sites that failed during it, and whether it reported an error
 * the way the kernel reports one to its caller — NULL from bpf_arena_alloc_pages, a negative
 * errno from a syscall or kfunc, a signal to the process, or (for a BPF program) a kfunc call
 * inside it that returned NULL or an errno.
 *
 * @param index  the step's index in the scenario (-1 for a setup step)
 * @param line   the first line of the step's trace entry (its call and result)
 */
public record StepEffect(int index, String line, List<String> injectedSites, boolean reportedError) {
    /** The errno range of the kernel's return values (IS_ERR_VALUE). */
    static boolean isErrno(long ret) {
        return ret < 0 && ret >= -4095;
    }
}
