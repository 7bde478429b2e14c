package dev.arenaemu.scenarios.sweep;

import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.format.ScenarioReader;
import dev.arenaemu.scenarios.replay.Outcome;
import dev.arenaemu.scenarios.replay.Replayer;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 6: the sweep's injected runs execute on worker threads, and the result is the one a
 * one-job sweep gives — the same runs in the same order with the same statuses, problems and
 * traces, the same progress sequence and the same summary table.
 */
class ParallelSweepTest {
    /**
     * Between them: every era, a program compiled from C (13-62), steps that inject failures of their
     * own on top of the sweep's (13-09), and runs that stop early because a failed creation left no arena.
     */
    private static final List<String> CORPUS = List.of("corpus/13-01-minimal-arena.json", "corpus/12-1-basic-alloc1.json",
        "corpus/13-62-globals-at-offset-zero.v6.9-v6.13.json", "corpus/13-09-creation-injection.v6.13-v7.0.json");

    /** Everything a report shows of a run, except its wall time. */
    private record Seen(String title, Outcome.Status status, List<String> problems, List<String> trace, Map<String, Long> siteHits, int injected) {
        static Seen of(Outcome o) {
            return new Seen(o.title(), o.status(), o.problems(), o.trace(), o.siteHits(), o.injected());
        }
    }

    /** One sweep's outcomes, what its progress callback saw, and its summary table rows. */
    private record Result(List<Seen> outcomes, List<String> progress, List<String> table) {}

    private static Result sweep(int jobs) throws Exception {
        List<Sweep.Target> targets = new ArrayList<>();
        for (String file : CORPUS) {
            Scenario s = ScenarioReader.read(Path.of(file));
            for (var era : s.eras()) targets.add(new Sweep.Target(s, era));
        }
        Map<String, Sweep.SiteStats> table = new TreeMap<>();
        List<String> progress = new ArrayList<>();
        List<Outcome> outcomes = new Sweep(Replayer::new, jobs).run(targets, new Sweep.Options(3, 7, 30), table, o -> progress.add(o.title()));
        List<String> rows = new ArrayList<>();
        table.forEach((site, st) -> rows.add(site + " " + st.hits + " " + st.runs + " " + st.passed));
        return new Result(outcomes.stream().map(Seen::of).toList(), progress, rows);
    }

    @Test
    void twoJobsGiveTheSameOutcomesInTheSameOrderAsOne() throws Exception {
        Result one = sweep(1), two = sweep(2);
        assertTrue(one.outcomes().size() > 3 * CORPUS.size(), "counting, fail-nth and random runs: " + one.outcomes().size());
        assertTrue(one.outcomes().stream().anyMatch(o -> o.title().contains(" fail ")), "some fail-nth runs");
        assertTrue(one.outcomes().stream().anyMatch(o -> o.title().contains(" random ")), "some random runs");
        assertEquals(one.outcomes().size(), two.outcomes().size());
        for (int i = 0; i < one.outcomes().size(); i++) {
            assertEquals(one.outcomes().get(i), two.outcomes().get(i), "run " + i + " (" + one.outcomes().get(i).title() + ")");
        }
        assertEquals(one.progress(), two.progress(), "progress sees the runs in the same order");
        assertEquals(one.table(), two.table(), "the summary table");
    }

    @Test
    void anExceptionInARunReachesTheCallerAsItWouldWithOneJob() throws Exception {
        Scenario s = ScenarioReader.read(Path.of("corpus/13-01-minimal-arena.json"));
        IllegalStateException boom = new IllegalStateException("runner broke");
        Sweep sweep = new Sweep(() -> (scenario, era, inject, run) -> { throw boom; }, 2);
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
            () -> sweep.run(List.of(new Sweep.Target(s, Era.LATEST)), new Sweep.Options(0, 1, 10), new TreeMap<>(), o -> {}));
        assertEquals(boom, thrown);
    }
}
