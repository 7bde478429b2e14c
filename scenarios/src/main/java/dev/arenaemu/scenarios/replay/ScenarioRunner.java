package dev.arenaemu.scenarios.replay;

import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.format.Inject;
import dev.arenaemu.scenarios.format.Scenario;

import java.util.List;

/**
 * Replays one scenario in one era. The CLI and the sweep go through this seam; the
 * {@link Replayer} is the implementation on the emulated machine.
 */
@FunctionalInterface
public interface ScenarioRunner {
    /**
     * @param extraInject failures to inject on top of the scenario's own (the sweep's fail_nth)
     * @param run         a name for this run in reports ("replay", "fail page_alloc #2")
     */
    Outcome run(Scenario scenario, Era era, List<Inject> extraInject, String run);
}
