package dev.arenaemu.scenarios.replay;

import dev.arenaemu.scenarios.check.Violation;
import dev.arenaemu.scenarios.check.WorldState;
import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.format.Step;

import java.util.List;

/**
 * Sees a replay step by step (replay --html): the state before the first step, then each step
 * with its trace lines, the state after it, and what it broke. Called on the replaying thread;
 * the snapshots are immutable.
 */
public interface StepObserver {
    /** The replay begins: {@code before} is the state after the top-level arena setup. */
    void begin(Scenario scenario, String era, WorldState before);

    /**
     * One step was applied.
     *
     * @param trace      the step's trace lines (result, injected failures, PTE changes, kernel reports)
     * @param mismatches its expectations that did not hold
     * @param violations the invariants broken after it
     */
    void step(Step.Common step, List<String> trace, WorldState after, List<Mismatch> mismatches, List<Violation> violations);

    /** The replay ended (teardown done) with this outcome. */
    void end(Outcome outcome);
}
