package dev.arenaemu.kernel.bpf;

import dev.arenaemu.kernel.Errno;

import java.util.List;

/**
 * BPF_PROG_TEST_RUN's outcome on the kernel CPU, with the lines the run appended to the
 * program's stderr stream (v6.18 arena fault reports, E5 scratch-page reports).
 */
public sealed interface TestRunResult {
    List<String> stderr();

    /** The program returned: {@code retval} is R0. */
    record Returned(long r0, List<String> stderr) implements TestRunResult {}

    /**
     * A kernel fault nobody could fix up (no exception-table entry, no scratch-page recovery):
     * what the kernel prints as "BUG: unable to handle page fault for address ... RIP: ...".
     */
    record Oops(long address, long rip, boolean write, String where, List<String> stderr) implements TestRunResult {
        @Override
        public String toString() {
            // The kernel prints RIP as symbol+off/size for BPF code; so do we (the image's address
            // depends on what the module area held before, which must not change a trace).
            return String.format("BUG: unable to handle page fault for address: 0x%x (%s) RIP: %s", address, write ? "write" : "read",
                where.isEmpty() ? String.format("0x%x", rip) : where);
        }
    }

    /**
     * BPF_PROG_TEST_RUN refused before running: bpf_prog_test_run_tracing has no run for a
     * BPF_TRACE_ITER program (-ENOTSUPP); an iterator runs when its link is read.
     */
    record Refused(Errno errno, List<String> stderr) implements TestRunResult {}

    /** Any other end: the CPU budget ran out, or an exception that is not a page fault. */
    record Stopped(String reason, List<String> stderr) implements TestRunResult {}

    /** R0 of a returned run, else an {@link IllegalStateException} describing the end. */
    default long r0() {
        if (this instanceof Returned r) return r.r0();
        throw new IllegalStateException("program did not return: " + this);
    }
}
