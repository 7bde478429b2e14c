package dev.arenaemu.scenarios.replay;

import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.format.ScenarioReader;
import dev.arenaemu.scenarios.format.Step;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A test fixture: a v6.13 world that has gone through a scenario's steps the way the replayer
 * applies them (results bound to the steps' "as" names), without expectations or invariant
 * checks, so that a test can inspect or break the state directly. The caller closes the world.
 */
record PlayedScenario(World world, StepRunner runner, List<Effect> effects) {
    static PlayedScenario play(String file, String json) throws Exception {
        Scenario s = ScenarioReader.parse(Path.of(file), json);
        World w = new World(Era.V6_13, s.processes());
        StepRunner runner = new StepRunner(w, s);
        List<Effect> effects = new ArrayList<>();
        for (Step step : s.steps()) {
            Effect e = runner.apply(step);
            step.common().bind().ifPresent(b -> w.bind(b, e.ret().orElse(0)));
            effects.add(e);
        }
        return new PlayedScenario(w, runner, effects);
    }
}
