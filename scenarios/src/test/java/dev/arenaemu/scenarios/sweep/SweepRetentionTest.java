package dev.arenaemu.scenarios.sweep;

import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.format.ScenarioReader;
import dev.arenaemu.scenarios.replay.Outcome;
import dev.arenaemu.scenarios.replay.ScenarioRunner;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A long sweep keeps only the runs that did not pass: passing runs are seen by the progress
 * callback and counted (tally, summary table), then dropped, so memory grows with failures and
 * not with the number of runs (a million-run sweep once held 2.2 GB of passing outcomes).
 */
class SweepRetentionTest {
    /** Counting run: 40 hits of one site; injected run n fails (a kernel report) when n is a multiple of 10. */
    private static final ScenarioRunner RUNNER = (scenario, era, inject, run) -> {
        boolean counting = inject.isEmpty();
        boolean fails = !counting && run.startsWith("fail ") && Integer.parseInt(run.substring(run.indexOf('#') + 1)) % 10 == 0;
        return new Outcome(scenario.name(), scenario.file().toString(), era, run, Outcome.Status.PASS, List.of(), List.of(),
            fails ? List.of("warning") : List.of(), null, List.of(), 1, counting ? Map.of("page_alloc", 40L) : Map.of(), counting ? 0 : 1, 0, List.of());
    };

    private static Sweep.Numbered sweep(boolean keepPassing, List<String> seen, Map<String, Sweep.SiteStats> table) throws Exception {
        Scenario s = ScenarioReader.read(Path.of("corpus/13-01-minimal-arena.json"));
        return new Sweep(() -> RUNNER, 1).runNumbered(List.of(new Sweep.Target(s, Era.LATEST)), new Sweep.Options(5, 1, 10), table,
            o -> seen.add(o.title() + " " + o.status()), keepPassing);
    }

    @Test
    void withoutPassingRunsOnlyFailuresAreKeptButEveryRunIsSeenAndCounted() throws Exception {
        List<String> seenAll = new ArrayList<>(), seenFailures = new ArrayList<>();
        Map<String, Sweep.SiteStats> tableAll = new TreeMap<>(), tableFailures = new TreeMap<>();
        Sweep.Numbered all = sweep(true, seenAll, tableAll);
        Sweep.Numbered failures = sweep(false, seenFailures, tableFailures);

        assertEquals(1 + 40 + 5, all.outcomes().size(), "the counting run, 40 fail-nth runs, 5 random runs");
        assertEquals(4, failures.outcomes().size(), "fail #10, #20, #30, #40");
        assertTrue(failures.outcomes().stream().noneMatch(Outcome::passed));
        assertEquals(all.outcomes().stream().filter(o -> !o.passed()).map(Outcome::title).toList(),
            failures.outcomes().stream().map(Outcome::title).toList());
        List<Integer> failingSeqs = new ArrayList<>();
        for (int i = 0; i < all.outcomes().size(); i++) if (!all.outcomes().get(i).passed()) failingSeqs.add(all.seqs().get(i));
        assertEquals(failingSeqs, failures.seqs(), "each kept run keeps its position in the sweep");

        assertEquals(seenAll, seenFailures, "progress saw every run in the same order");
        assertEquals(46, failures.tally().total());
        assertEquals(42, failures.tally().count(Outcome.Status.PASS));
        assertEquals(4, failures.tally().count(Outcome.Status.FAIL));
        assertEquals(tableAll.get("page_alloc").runs, tableFailures.get("page_alloc").runs);
        assertEquals(tableAll.get("page_alloc").passed, tableFailures.get("page_alloc").passed);
        assertEquals(36, tableFailures.get("page_alloc").passed);
    }
}
