package dev.arenaemu.scenarios.oracle;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ComparisonTest {
    private static Observation obs(int step, Map<String, String> fields) {
        return new Observation(step, fields, null, null);
    }

    private static final List<StepPlan> PLANS = List.of(StepPlan.run(0), StepPlan.run(1), StepPlan.run(2));

    @Test
    void equalFieldsAgreeAndDifferentOnesNameBothValues() {
        SideResult emu = new SideResult(Map.of(0, obs(0, Map.of("ret", "base+0x0")), 1, obs(1, Map.of("ret", "0", "pages U", "base+0x0=f1")),
            2, obs(2, Map.of("value", "0x2a"))), null, SideResult.NO_STEP);
        SideResult ker = new SideResult(Map.of(0, obs(0, Map.of("ret", "base+0x0")), 1, obs(1, Map.of("ret", "-EINVAL")),
            2, obs(2, Map.of("value", "0x2a"))), null, SideResult.NO_STEP);
        List<Verdict> v = Comparison.compare(PLANS, emu, ker);
        assertInstanceOf(Verdict.Agree.class, v.get(0));
        Verdict.Disagree d = assertInstanceOf(Verdict.Disagree.class, v.get(1));
        assertEquals(List.of(new Verdict.Difference("pages U", "base+0x0=f1", "none"), new Verdict.Difference("ret", "0", "-EINVAL")), d.differences());
        assertInstanceOf(Verdict.Agree.class, v.get(2));
    }

    @Test
    void aKernelThatStoppedGivesOneErrorThenNotObservable() {
        SideResult emu = new SideResult(Map.of(0, obs(0, Map.of()), 1, obs(1, Map.of()), 2, obs(2, Map.of())), null, SideResult.NO_STEP);
        SideResult ker = new SideResult(Map.of(0, obs(0, Map.of())), "timed out after 20 s", 0);
        List<Verdict> v = Comparison.compare(PLANS, emu, ker);
        assertInstanceOf(Verdict.Agree.class, v.get(0));
        assertEquals("timed out after 20 s", assertInstanceOf(Verdict.Error.class, v.get(1)).message());
        assertTrue(assertInstanceOf(Verdict.NotObservable.class, v.get(2)).reason().contains("stopped at step 1"));
    }

    @Test
    void aStepTheKernelCannotRunMakesTheRestNotObservable() {
        SideResult emu = new SideResult(Map.of(0, obs(0, Map.of("ret", "0")), 1, obs(1, Map.of()), 2, obs(2, Map.of())), null, SideResult.NO_STEP);
        SideResult ker = new SideResult(Map.of(0, Observation.unobservable(0, "kernel has no kfunc bpf_arena_reserve_pages"),
            1, obs(1, Map.of("x", "1")), 2, obs(2, Map.of())), null, SideResult.NO_STEP);
        List<Verdict> v = Comparison.compare(PLANS, emu, ker);
        assertEquals("kernel has no kfunc bpf_arena_reserve_pages", assertInstanceOf(Verdict.NotObservable.class, v.get(0)).reason());
        assertTrue(assertInstanceOf(Verdict.NotObservable.class, v.get(1)).reason().startsWith("follows step 0"));
        assertInstanceOf(Verdict.NotObservable.class, v.get(2));
    }

    @Test
    void plannedNotObservableAndEmulatorStopsAreNotObservable() {
        List<StepPlan> plans = List.of(new StepPlan(0, StepPlan.Mode.NOT_OBSERVABLE, "run_code"), StepPlan.run(1));
        SideResult emu = new SideResult(Map.of(), "internal error", SideResult.NO_STEP);
        SideResult ker = new SideResult(Map.of(1, obs(1, Map.of())), null, SideResult.NO_STEP);
        List<Verdict> v = Comparison.compare(plans, emu, ker);
        assertEquals("run_code", assertInstanceOf(Verdict.NotObservable.class, v.get(0)).reason());
        assertTrue(assertInstanceOf(Verdict.NotObservable.class, v.get(1)).reason().contains("internal error"));
    }
}
