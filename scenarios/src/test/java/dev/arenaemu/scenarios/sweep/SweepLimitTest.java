package dev.arenaemu.scenarios.sweep;

import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.replay.Outcome;
import dev.arenaemu.scenarios.replay.StepEffect;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A sweep run stopped by its limits, or by an internal error, says nothing about the injected
 * failure: the judgement keeps its verdict instead of turning it into PASS or FAIL.
 */
class SweepLimitTest {
    private static final Outcome BASELINE = new Outcome("s", "s.json", Era.V6_13, "count hits", Outcome.Status.PASS, List.of(),
        List.of(), List.of(), null, List.of(), 2, Map.of("page_alloc", 1L), 0, 0,
        List.of(new StepEffect(0, "kfunc alloc_pages(...) -> 0x1000", List.of(), false)));

    private static Outcome stopped(Outcome.Status status, String error, String stackTrace) {
        return new Outcome("s", "s.json", Era.V6_13, "fail page_alloc #1", status, List.of(), List.of(), List.of(), error, List.of(), 1,
            Map.of("page_alloc", 1L), 1, 0, List.of(new StepEffect(0, "kfunc alloc_pages(...) -> 0x2000", List.of("page_alloc"), false)), stackTrace);
    }

    @Test
    void limitAndInternalVerdictsSurviveTheJudgement() {
        Outcome limit = stopped(Outcome.Status.LIMIT, "step 1 (fork) at s.json:3:5: fork would make 65 live processes", null);
        assertEquals(Outcome.Status.LIMIT, Sweep.judge(limit, BASELINE).status());
        Outcome internal = stopped(Outcome.Status.INTERNAL, "internal error at step 1: java.lang.IllegalStateException", "trace");
        Outcome judged = Sweep.judge(internal, BASELINE);
        assertEquals(Outcome.Status.INTERNAL, judged.status());
        assertEquals("trace", judged.stackTrace());
        // The same silent change without a limit fails, as the judgement says (the control case).
        assertEquals(Outcome.Status.FAIL, Sweep.judge(stopped(Outcome.Status.PASS, null, null), BASELINE).status());
    }
}
