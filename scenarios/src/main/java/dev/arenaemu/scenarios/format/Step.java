package dev.arenaemu.scenarios.format;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One action of a scenario (the JSON "op" names are in parentheses). Steps are plain data; the
 * replayer dispatches on them with an exhaustive switch.
 */
public sealed interface Step {
    Common common();

    /**
     * What every step has: its 0-based index in "steps" (-1 for the top-level "arena" setup),
     * place, expectations, own injections, result binding, and the kernel CPU its kernel work
     * (kfuncs, BPF programs, map operations) runs on.
     */
    record Common(int index, Where where, String op, Expect expect, List<Inject> inject, Optional<String> bind, int cpu) {
        /** "step 3 (mmap) at file:12:5" — how errors and mismatches name a step. */
        public String place() {
            if (index < 0) return "arena setup at " + where;
            return "step " + index + " (" + op + ") at " + where;
        }
    }

    /** (create_arena) BPF_MAP_CREATE of an arena; returns 0 or -errno, binds the map as "the arena". */
    record CreateArena(Common common, ArenaSpec spec) implements Step {}

    /**
     * (mmap) of an arena fd — the arena named {@code arena}, by default the scenario's first — or
     * anonymous memory when {@code anonymous}; returns the address or -errno.
     */
    record Mmap(Common common, String process, Arg addr, Arg length, long prot, long flags, Arg offset, boolean anonymous,
                Optional<String> arena) implements Step {}

    /** (munmap) */
    record Munmap(Common common, String process, Arg addr, Arg length) implements Step {}

    /** (mprotect) */
    record Mprotect(Common common, String process, Arg addr, Arg length, long prot) implements Step {}

    /** (mremap) with MREMAP_* flags and an optional new address (MREMAP_FIXED). */
    record Mremap(Common common, String process, Arg addr, Arg oldSize, Arg newSize, long flags, Optional<Arg> newAddr) implements Step {}

    /** (fork) {@code child} becomes a new process name. */
    record Fork(Common common, String process, String child) implements Step {}

    /** (exit) the process's mm is torn down (every VMA closed). */
    record Exit(Common common, String process) implements Step {}

    /** (read) a user load of {@code size} bytes at CPL3; the value (zero-extended) is checked with expect.value. */
    record Read(Common common, String process, Arg addr, int size) implements Step {}

    /** (write) a user store at CPL3. */
    record Write(Common common, String process, Arg addr, int size, Arg value) implements Step {}

    /** (copy) a user memcpy (rep movsb) of {@code length} bytes at CPL3. */
    record Copy(Common common, String process, Arg src, Arg dst, Arg length) implements Step {}

    /** (run_code) raw x86-64 machine code (hex) run at CPL3 with the given registers. */
    record RunCode(Common common, String process, String hex, Map<String, Arg> regs) implements Step {}

    /** (run_program) BPF_PROG_TEST_RUN of a declared program with up to five arguments (r1..r5). */
    record RunProgram(Common common, String program, List<Arg> args) implements Step {}

    enum Kfunc {
        ALLOC_PAGES("alloc_pages"), FREE_PAGES("free_pages"), RESERVE_PAGES("reserve_pages");

        public final String label;

        Kfunc(String label) {
            this.label = label;
        }
    }

    /**
     * (kfunc) a direct call of an arena kfunc with the map argument bound to the arena, as a
     * sleepable program makes it, or (v7.0+, {@code sleepable} false) as the verifier's
     * non-sleepable call-site specialisation does: alloc/free_pages_non_sleepable, free deferred.
     * The map argument is the arena named {@code arena} (default: the scenario's first arena), or
     * with {@code arrayMap} a BPF_MAP_TYPE_ARRAY created for the call: the kfunc checks the map
     * type and returns NULL / nothing / -EINVAL, as bpf_arena_*_pages do for a non-arena map.
     */
    record KfuncCall(Common common, Kfunc kfunc, Arg addr, Arg pageCount, Arg nodeId, Arg flags, boolean sleepable,
                     Optional<String> arena, boolean arrayMap) implements Step {}

    /** (run_work) the kernel's workqueue runs what is pending (the E4 deferred-free worker); returns how many items ran. */
    record RunWork(Common common) implements Step {}

    enum MapOp {
        LOOKUP("lookup"), UPDATE("update"), DELETE("delete"), GET_NEXT_KEY("get_next_key"), PUSH("push"), POP("pop"),
        PEEK("peek"), FREEZE("freeze"), DIRECT_VALUE_ADDR("direct_value_addr");

        public final String label;

        MapOp(String label) {
            this.label = label;
        }
    }

    /**
     * (map_op) a generic BPF map operation on the arena (docs/semantics.md#generic-map-operations):
     * the element operations, BPF_MAP_FREEZE, or map_direct_value_addr(offset) as the verifier
     * calls it for globals; on the arena named {@code arena} (default: the scenario's first arena).
     */
    record MapOperation(Common common, MapOp operation, Arg offset, Optional<String> arena) implements Step {}

    /** (flush_tlb) flush one process's TLB, or every CPU's when no process is named. */
    record FlushTlb(Common common, Optional<String> process, java.util.OptionalInt cpu) implements Step {}

    /** (checkpoint) records the full state in the trace and checks the step's state expectations. */
    record Checkpoint(Common common, String label) implements Step {}
}
