package dev.arenaemu.junit;

import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.format.ScenarioException;
import dev.arenaemu.scenarios.format.ScenarioReader;
import dev.arenaemu.scenarios.replay.Outcome;
import dev.arenaemu.scenarios.replay.Replayer;
import org.opentest4j.AssertionFailedError;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Replays scenario files (docs/scenario-format.md) from a test and fails it with the report
 * {@code ./arena-emu replay} prints: every mismatch with expected, actual and the page map around
 * it, every broken invariant, every kernel report, or the reader's file:line:column error.
 * Replays run on machines of the JVM-wide pool, as the command line's do.
 */
public final class ScenarioAssertions {
    private ScenarioAssertions() {}

    /** Replays {@code file} in every era it lists; returns the outcomes when all passed. */
    public static List<Outcome> assertPasses(Path file) {
        Scenario scenario = read(file);
        return replay(scenario, List.copyOf(scenario.eras()));
    }

    /** Replays {@code file} in {@code era} ("v6.13", "v7.0", "latest"), which it must list. */
    public static Outcome assertPasses(Path file, String era) {
        Scenario scenario = read(file);
        Era e = Era.byLabel(era);
        if (e == null) throw new AssertionFailedError("unknown era '" + era + "' (known: " + Arrays.toString(Era.values()) + ")");
        if (!scenario.eras().contains(e)) throw new AssertionFailedError(file + " is written for " + scenario.eras() + ", not " + era);
        return replay(scenario, List.of(e)).getFirst();
    }

    private static Scenario read(Path file) {
        try {
            return ScenarioReader.read(file);
        } catch (ScenarioException e) {
            throw new AssertionFailedError("scenario does not read: " + e.getMessage(), e);
        }
    }

    private static List<Outcome> replay(Scenario scenario, List<Era> eras) {
        Replayer replayer = new Replayer();
        List<Outcome> outcomes = new ArrayList<>();
        for (Era e : eras) outcomes.add(replayer.run(scenario, e, List.of(), "replay"));
        List<Outcome> failed = outcomes.stream().filter(o -> !o.passed()).toList();
        if (!failed.isEmpty()) throw new AssertionFailedError(report(scenario, outcomes.size(), failed));
        return outcomes;
    }

    /** "scenario X (file): 1 of 3 run(s) did not pass", then per run its status, title and problems. */
    static String report(Scenario scenario, int runs, List<Outcome> failed) {
        StringBuilder b = new StringBuilder();
        b.append("scenario ").append(scenario.name()).append(" (").append(scenario.file()).append("): ")
            .append(failed.size()).append(" of ").append(runs).append(" run(s) did not pass");
        for (Outcome o : failed) {
            b.append("\n").append(o.status()).append(' ').append(o.title()).append(" after ").append(o.steps()).append(" step(s)");
            for (String p : o.problems()) b.append("\n").append(p.indent(4).stripTrailing());
        }
        return b.toString();
    }
}
