package dev.arenaemu.scenarios.oracle;

import dev.arenaemu.scenarios.format.Scenario;

import java.util.List;

/**
 * A scenario as the guest runner reads it: {@code text} (the "S", "P" and "T" lines of
 * {@link OpEncoder}), the plan of every step in order (the top-level arena setup is step -1),
 * the process names by runner index, and the arena labels by runner index.
 */
public record CompiledScenario(Scenario scenario, int number, String text, List<StepPlan> plans, List<String> processes,
                               List<String> arenas, String notObservable) {
    public StepPlan plan(int step) {
        for (StepPlan p : plans) if (p.index() == step) return p;
        throw new IllegalArgumentException("no step " + step);
    }
}
