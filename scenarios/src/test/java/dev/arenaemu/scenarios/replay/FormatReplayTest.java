package dev.arenaemu.scenarios.replay;

import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.format.ScenarioReader;
import dev.arenaemu.scenarios.format.Step;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replays of the format's newer expectations and steps, each against what the kernel does, and
 * of the per-scenario limits.
 */
class FormatReplayTest {
    private static Outcome replay(String json, Era era) throws Exception {
        return replay(json, era, Limits.DEFAULT);
    }

    private static Outcome replay(String json, Era era, Limits limits) throws Exception {
        Scenario s = ScenarioReader.parse(Path.of("t.json"), json);
        return new Replayer(limits).run(s, era, List.of(), "replay");
    }

    private static String problems(Outcome o) {
        return String.join("\n", o.problems()) + "\n" + String.join("\n", o.trace());
    }

    @Test
    void aTopLevelArenaThatCannotBeCreatedIsAMismatch() throws Exception {
        // arena_map_alloc: max_entries 0 is -EINVAL; the scenario's premise failed, so it cannot pass.
        Outcome o = replay("""
            {"name": "n", "era": "v6.13", "arena": {"max_entries": 0}, "steps": [{"op": "checkpoint"}]}""", Era.V6_13);
        assertEquals(Outcome.Status.FAIL, o.status(), problems(o));
        Mismatch m = o.mismatches().getFirst();
        assertEquals("arena setup", m.what());
        assertTrue(m.place().startsWith("arena setup at t.json:1:40") && m.actual().contains("EINVAL"), m.describe());
    }

    /** bpf_arena_alloc_pages / free_pages / reserve_pages check map->map_type first (kernel/bpf/arena.c: NULL, nothing, -EINVAL). */
    @Test
    void aKfuncGivenAnArrayMapRefusesItAsTheKernelDoes() throws Exception {
        String json = """
            {"name": "n", "era": ["v6.13", "v7.0", "latest"], "arena": {"max_entries": 4, "map_extra": "0x1000_0000_0000"},
             "steps": [
               {"op": "kfunc", "name": "alloc_pages", "page_cnt": 1, "map_type": "array", "expect": {"null": true}},
               {"op": "kfunc", "name": "reserve_pages", "addr": "base", "page_cnt": 1, "map_type": "array", "expect": {"errno": "EINVAL"}},
               {"op": "kfunc", "name": "alloc_pages", "page_cnt": 1, "expect": {"ret": "base"}},
               {"op": "kfunc", "name": "free_pages", "addr": "base", "page_cnt": 1, "map_type": "array",
                "expect": {"pages": [{"addr": "base", "state": "populated", "kernel": true}]}}
             ]}""";
        for (Era era : List.of(Era.V6_13, Era.V7_0, Era.LATEST)) {
            Outcome o = replay(json, era);
            assertEquals(Outcome.Status.PASS, o.status(), problems(o));
            assertTrue(o.trace().stream().anyMatch(l -> l.contains("bpf_arena_alloc_pages(array map, 0x0, 1, -1, 0x0) -> 0x0")), problems(o));
        }
        // The non-sleepable variants (v7.0+) check the map the same way.
        Outcome o = replay("""
            {"name": "n", "era": "v7.0", "steps": [
               {"op": "kfunc", "name": "alloc_pages", "page_cnt": 1, "sleepable": false, "map_type": "array", "expect": {"null": true}}]}""", Era.V7_0);
        assertEquals(Outcome.Status.PASS, o.status(), problems(o));
    }

    /** bpf_prog_test_run_syscall: attr->test.retval is a u32 holding the low half of r0. */
    @Test
    void retvalIsTheLow32BitsOfR0() throws Exception {
        String json = """
            {"name": "n", "era": "v6.13", "arena": {"max_entries": 4, "map_extra": "0x1000_0000_0000"},
             "programs": {"P": {"asm": "r0 = 0x10000002a ll\\nexit"}},
             "steps": [{"op": "run_program", "program": "P", "expect": {"ret": "0x1_0000_002A", "retval": %s}}]}""";
        Outcome ok = replay(json.formatted("42"), Era.V6_13);
        assertEquals(Outcome.Status.PASS, ok.status(), problems(ok));
        Outcome bad = replay(json.formatted("\"0x1_0000_002A\""), Era.V6_13);
        assertEquals(Outcome.Status.FAIL, bad.status(), problems(bad));
        Mismatch m = bad.mismatches().getFirst();
        assertEquals("retval (u32, BPF_PROG_TEST_RUN)", m.what());
        assertEquals("0x2a", m.actual());
    }

    /**
     * ex_handler_bpf → bpf_prog_report_arena_violation (v6.18+): a store skipped by the fixup is
     * reported as a WRITE at the user address; v6.13 fixes it up silently (catalogue 59).
     */
    @Test
    void stderrExpectationsFollowTheEra() throws Exception {
        String json = """
            {"name": "n", "era": ["v6.13", "v7.0"], "arena": {"max_entries": 4},
             "programs": {"P": {"asm": "r2 = map[arena] ll\\nr1 = addr_space_cast(r1, 0x0, 0x1)\\nr0 = 3\\nr3 = 1\\n*(u32 *)(r1 + 0x0) = r3\\nexit"}},
             "steps": [{"op": "mmap", "length": "16K", "as": "X"},
                       {"op": "run_program", "program": "P", "args": ["X+8K"], "expect": {"ret": 3, "stderr": %s}}]}""";
        String write = "[{\"arena_violation\": \"WRITE\", \"addr\": \"X+8K\"}]";
        String read = "[{\"arena_violation\": \"READ\", \"addr\": \"X+8K\"}]";
        assertEquals(Outcome.Status.PASS, replay(json.formatted(write), Era.V7_0).status());
        assertEquals(Outcome.Status.PASS, replay(json.formatted("[]"), Era.V6_13).status());

        Outcome wrongAccess = replay(json.formatted(read), Era.V7_0);
        assertEquals(Outcome.Status.FAIL, wrongAccess.status());
        Mismatch m = wrongAccess.mismatches().getFirst();
        assertEquals("program stderr", m.what());
        assertTrue(m.expected().matches("ERROR: Arena READ access at unmapped address 0x[0-9a-f]+9000"), m.describe());
        assertTrue(m.actual().matches("ERROR: Arena WRITE access at unmapped address 0x[0-9a-f]+9000"), m.describe());

        Outcome silent = replay(json.formatted(write), Era.V6_13);
        assertEquals(Outcome.Status.FAIL, silent.status());
        assertEquals("nothing", silent.mismatches().getFirst().actual(), "v6.13 writes no report");
    }

    @Test
    void anInlineProgramWhoseArenaDoesNotExistYetIsBadInputNamingTheStep() throws Exception {
        Outcome o = replay("""
            {"name": "n", "era": "v6.13", "arena": {"max_entries": 4, "map_extra": "0x1000_0000_0000"},
             "programs": {"P": {"asm": "r1 = map[other] ll\\nr0 = 0\\nexit"}},
             "steps": [{"op": "run_program", "program": "P"}, {"op": "create_arena", "name": "other", "max_entries": 1}]}""", Era.V6_13);
        assertEquals(Outcome.Status.ERROR, o.status(), problems(o));
        assertTrue(o.error().startsWith("step 0 (run_program) at t.json:3:12: program \"P\" uses map[other], and no arena \"other\" exists"), o.error());
    }

    /** dup_mmap: a shared file mapping (the arena) gets no PTEs in the child; the child faults its pages in (catalogue 65/66). */
    @Test
    void aForksExpectationsSeeTheChildItCreated() throws Exception {
        String json = """
            {"name": "n", "era": "v6.13", "arena": {"max_entries": 4},
             "steps": [{"op": "mmap", "length": "16K", "as": "X"},
                       {"op": "write", "addr": "X", "value": 7},
                       {"op": "fork", "child": "C", "expect": {"pages": [{"addr": "X", "user": {"U": true, "C": %s}}]}},
                       {"op": "read", "process": "C", "addr": "X", "expect": {"value": 7, "fault_in": true}}]}""";
        Outcome ok = replay(json.formatted("false"), Era.V6_13);
        assertEquals(Outcome.Status.PASS, ok.status(), problems(ok));
        Outcome bad = replay(json.formatted("true"), Era.V6_13);
        assertEquals(Outcome.Status.FAIL, bad.status());
        assertTrue(bad.mismatches().getFirst().what().contains("user PTE in C"), bad.mismatches().getFirst().describe());
    }

    @Test
    void symOfAGlobalNoObjectDefinesIsNamedWhereItIsUsed() throws Exception {
        Outcome arg = replay("""
            {"name": "n", "era": "v6.13", "arena": {"max_entries": 4},
             "steps": [{"op": "mmap", "length": "16K"}, {"op": "read", "addr": "sym(counter)"}]}""", Era.V6_13);
        assertEquals(Outcome.Status.ERROR, arg.status(), problems(arg));
        assertTrue(arg.error().contains("step 1 (read)") && arg.error().contains("sym(counter)"), arg.error());
        Outcome expectation = replay("""
            {"name": "n", "era": "v6.13", "arena": {"max_entries": 4},
             "steps": [{"op": "mmap", "length": "16K", "expect": {"ret": "sym(counter)"}}]}""", Era.V6_13);
        assertEquals(Outcome.Status.FAIL, expectation.status(), problems(expectation));
        assertTrue(expectation.mismatches().getFirst().actual().contains("sym(counter)"), expectation.mismatches().getFirst().describe());
    }

    @Test
    void aForkPastTheProcessLimitStopsTheRunWithStatusLimitAndTeardownStillRuns() throws Exception {
        Outcome o = replay("""
            {"name": "n", "era": "v6.13", "arena": {"max_entries": 4},
             "steps": [{"op": "mmap", "length": "16K"}, {"op": "fork", "child": "A"}, {"op": "fork", "child": "B"}, {"op": "fork", "child": "C"}]}""",
            Era.V6_13, new Limits(Limits.DEFAULT_WALL_CLOCK, 3));
        assertEquals(Outcome.Status.LIMIT, o.status(), problems(o));
        assertTrue(o.error().startsWith("step 3 (fork) at t.json:2:105: fork would make 4 live processes, more than the process limit of 3"), o.error());
        assertEquals(4, o.steps(), "the setup and three steps ran");
        assertTrue(o.trace().contains("[end] teardown: processes exited, arena freed"), problems(o));
        assertTrue(o.violations().isEmpty(), "teardown returned every frame: " + o.violations());
    }

    /** A step the reader could never produce (a read without an address) makes the replayer itself fail: INTERNAL, with the trace. */
    @Test
    void anInternalErrorIsStatusInternalWithItsStackTrace() throws Exception {
        Scenario s = ScenarioReader.parse(Path.of("t.json"), """
            {"name": "n", "era": "v6.13", "arena": {"max_entries": 4}, "steps": [{"op": "mmap", "length": "16K"}, {"op": "checkpoint"}]}""");
        List<Step> steps = new ArrayList<>(s.steps());
        steps.set(2, new Step.Read(steps.get(2).common(), "U", null, 8));
        Scenario broken = new Scenario(s.file(), s.name(), s.description(), s.eras(), s.seed(), s.processes(), s.programs(), s.inject(),
            steps, s.finalState(), s.maxInstructions(), s.expectViolations(), s.expectKernelReports(), s.capabilities());
        Outcome o = new Replayer().run(broken, Era.V6_13, List.of(), "replay");
        assertEquals(Outcome.Status.INTERNAL, o.status(), problems(o));
        assertTrue(o.error().startsWith("internal error at step 2: java.lang.NullPointerException"), o.error());
        assertTrue(o.stackTrace().contains("at dev.arenaemu.scenarios.replay.StepRunner"), o.stackTrace());
        assertTrue(o.problems().contains(o.stackTrace()), "reports show it");
    }

    @Test
    void theWallClockLimitStopsTheRunBeforeTheNextStep() throws Exception {
        Outcome o = replay("""
            {"name": "n", "era": "v6.13", "arena": {"max_entries": 4}, "steps": [{"op": "checkpoint"}]}""",
            Era.V6_13, new Limits(Duration.ofNanos(1), 64));
        assertEquals(Outcome.Status.LIMIT, o.status(), problems(o));
        assertTrue(o.error().startsWith("arena setup at t.json:1:40: wall-clock limit of 0 ms reached after 0 step(s)"), o.error());
    }
}
