package dev.arenaemu.scenarios.sweep;

import dev.arenaemu.scenarios.check.Invariant;
import dev.arenaemu.scenarios.check.Violation;
import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.replay.Mismatch;
import dev.arenaemu.scenarios.replay.Outcome;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A sweep run with an injected failure is judged by what must hold whatever fails: the scenario's
 * expectations (written for success) do not count, invariants, leaks, kernel reports and model
 * exceptions do.
 */
class SweepJudgementTest {
    private static Outcome outcome(Outcome.Status status, List<Violation> violations, List<String> reports, String error, int injected) {
        return new Outcome("s", "s.json", Era.V6_13, "fail page_alloc #1", status,
            List.of(new Mismatch(2, "step 2", "return value", "0x1000", "0", null)), violations, reports, error, List.of(), 3,
            Map.of("page_alloc", 1L), injected, 0);
    }

    @Test
    void anInjectedFailureThatOnlyChangesResultsPasses() {
        assertEquals(Outcome.Status.PASS, Sweep.judge(outcome(Outcome.Status.FAIL, List.of(), List.of(), null, 1)).status());
    }

    @Test
    void aScenarioThatCannotGoOnAfterTheFailurePassesIfTheStateIsSound() {
        // e.g. create_arena returned -ENOMEM, so a later kfunc step has no arena to call
        assertEquals(Outcome.Status.PASS, Sweep.judge(outcome(Outcome.Status.ERROR, List.of(), List.of(), "step 3: no arena", 1)).status());
    }

    @Test
    void aBrokenInvariantOrALeakFails() {
        Violation leak = new Violation(Invariant.TEARDOWN_RETURNS_FRAMES, Integer.MAX_VALUE, "1 frame(s) still allocated");
        assertEquals(Outcome.Status.FAIL, Sweep.judge(outcome(Outcome.Status.FAIL, List.of(leak), List.of(), null, 1)).status());
    }

    @Test
    void aKernelReportOrAModelExceptionFails() {
        assertEquals(Outcome.Status.FAIL, Sweep.judge(outcome(Outcome.Status.FAIL, List.of(), List.of("Warning[...]"), null, 1)).status());
        assertEquals(Outcome.Status.FAIL, Sweep.judge(outcome(Outcome.Status.FAIL, List.of(), List.of(), "internal error: NPE", 1)).status());
    }

    @Test
    void aRunWhereTheFailureWasNeverInjectedFails() {
        assertEquals(Outcome.Status.FAIL, Sweep.judge(outcome(Outcome.Status.PASS, List.of(), List.of(), null, 0)).status());
    }
}
