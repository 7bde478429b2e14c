package dev.arenaemu.scenarios.format;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a step (or the end of a scenario) must produce. Every field is optional; absent means
 * "not checked", except signals: a user access that raises a signal nobody expected is a mismatch.
 *
 * @param ret      the step's return value (an mmap address, a kfunc pointer, a program's r0);
 *                 NULL is written {@code "NULL"} or {@code "null": true}
 * @param errno    the step must fail with this errno (returned as -errno)
 * @param value    the value a user read returned
 * @param regs     register values after user code or a BPF program (x86 names or r0..r10)
 * @param signal   the signal a user access must raise
 * @param pages    page states after the step
 * @param memUsage the arena's map_mem_usage in bytes after the step
 * @param faultIn  whether the step took a not-present user fault that the arena handler resolved
 * @param vmaList  the number of entries in the arena's vma_list
 * @param arena    the arena (create_arena "name") mem_usage, vma_list and the pages without an
 *                 arena of their own talk about; empty: the scenario's first arena
 * @param retval   run_program: the u32 {@code retval} BPF_PROG_TEST_RUN reports (lo32 of r0)
 * @param stderr   run_program: every line the run appended to the program's BPF stderr stream,
 *                 in order (an empty list: none; before v6.18 arena faults are fixed up silently)
 */
public record Expect(Where where, Optional<Arg> ret, Optional<Errno> errno, Optional<Arg> value, Map<String, Arg> regs,
                     Optional<SignalExpect> signal, List<PageExpect> pages, Optional<Arg> memUsage,
                     Optional<Boolean> faultIn, Optional<Integer> vmaList, Optional<String> arena,
                     Optional<Arg> retval, Optional<List<StderrLine>> stderr) {

    public static Expect none(Where where) {
        return new Expect(where, Optional.empty(), Optional.empty(), Optional.empty(), Map.of(), Optional.empty(),
            List.of(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /**
     * A report {@code bpf_prog_report_arena_violation} writes (v6.18+, x86 {@code ex_handler_bpf}):
     * "ERROR: Arena READ|WRITE access at unmapped address 0x…", the address in the user view.
     */
    public record StderrLine(Where where, boolean write, Arg addr) {
        /** The line as the kernel words it, for an address already evaluated. */
        public String text(long address) {
            return String.format("ERROR: Arena %s access at unmapped address 0x%x", write ? "WRITE" : "READ", address);
        }
    }

    /** An errno by name with its Linux x86-64 number. */
    public record Errno(String name, int number) {}

    /** si_signo / si_code / si_addr of a delivered signal; code and addr are optional checks. */
    public record SignalExpect(Where where, String name, int signo, Optional<String> code, Optional<Arg> addr) {}

    public enum PageState { FREE, RESERVED, POPULATED }

    /**
     * The state of {@code count} pages from {@code addr} (a user address of the arena):
     * kernel PTE present or not, user PTE present per process, the range-tree state, and
     * optionally the 64-bit value stored at the start of each page (through the kernel mapping).
     * {@code frames} names the frames of a single page: from {@link #KERNEL} or a process name to
     * a frame name (see World#checkFrame: the first sight binds, later sights compare).
     * {@code arena} names the arena (empty: the expectation's, else the scenario's first arena).
     */
    public record PageExpect(Where where, Arg addr, long count, Optional<Boolean> kernel, Map<String, Boolean> user,
                             Optional<PageState> state, Optional<Arg> value, Map<String, String> frames, Optional<String> arena) {
        /** The key of {@link #frames} for the kernel PTE's frame. */
        public static final String KERNEL = "kernel";
    }
}
