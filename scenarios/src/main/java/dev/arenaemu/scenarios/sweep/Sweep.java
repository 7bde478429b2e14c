package dev.arenaemu.scenarios.sweep;

import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.format.Inject;
import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.format.Where;
import dev.arenaemu.scenarios.replay.Outcome;
import dev.arenaemu.scenarios.replay.ScenarioRunner;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Fault-injection sweep over one scenario in one era, in the spirit of the kernel's fail-nth
 * loops: replay once to count how often each injection site is reached, then replay once per
 * hit with exactly that hit failed. Optionally add seeded random runs that fail every site
 * with some probability.
 *
 * <p>A failing run is judged by what must hold whatever fails, not by the scenario's
 * expectations (which assume success): the failure was injected, the invariants held after every
 * step, teardown returned every frame, the kernel reported nothing, and the model did not throw —
 * i.e. the failure surfaced as an error return or a signal, as the kernel would surface it.
 */
public final class Sweep {
    /** Per-site totals for the summary table. */
    public static final class SiteStats {
        public long hits;
        public int runs;
        public int passed;
    }

    private final ScenarioRunner runner;

    public Sweep(ScenarioRunner runner) {
        this.runner = runner;
    }

    /** The counting run first, then the fail-nth runs (and random runs); {@code progress} sees each. */
    public List<Outcome> run(Scenario scenario, Era era, int randomRuns, long seed, int percent,
                             Map<String, SiteStats> table, Consumer<Outcome> progress) {
        List<Outcome> out = new ArrayList<>();
        Outcome counting = runner.run(scenario, era, List.of(), "count hits");
        out.add(counting);
        progress.accept(counting);
        Where here = new Where(scenario.file().toString(), 1, 1);
        for (Map.Entry<String, Long> e : new TreeMap<>(counting.siteHits()).entrySet()) {
            SiteStats stats = table.computeIfAbsent(e.getKey(), k -> new SiteStats());
            stats.hits += e.getValue();
            for (long n = 1; n <= e.getValue(); n++) {
                Inject fail = new Inject(here, e.getKey(), n, 0, 0, 0, 1);
                Outcome o = judge(runner.run(scenario, era, List.of(fail), "fail " + e.getKey() + " #" + n));
                stats.runs++;
                if (o.passed()) stats.passed++;
                out.add(o);
                progress.accept(o);
            }
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < randomRuns; i++) {
            long runSeed = random.nextLong() & Long.MAX_VALUE;
            List<Inject> injects = new ArrayList<>();
            for (String site : counting.siteHits().keySet()) injects.add(new Inject(here, site, 0, percent, runSeed + site.hashCode(), 0, 1));
            Outcome o = runner.run(scenario, era, injects, "random " + percent + "% seed " + runSeed);
            // A random run may inject nothing; then it is a plain replay and must pass as one.
            Outcome judged = o.injected() == 0 ? o : judge(o);
            SiteStats stats = table.computeIfAbsent("(random)", k -> new SiteStats());
            stats.runs++;
            if (judged.passed()) stats.passed++;
            out.add(judged);
            progress.accept(judged);
        }
        return out;
    }

    /** Re-judges a run with an injected failure (see the class comment). */
    static Outcome judge(Outcome o) {
        boolean ok = o.injected() > 0 && o.violations().isEmpty() && o.kernelReports().isEmpty()
            && (o.error() == null || o.status() == Outcome.Status.ERROR);
        if (o.injected() == 0) {
            return o.withStatus(Outcome.Status.FAIL, o.mismatches());
        }
        return o.withStatus(ok ? Outcome.Status.PASS : Outcome.Status.FAIL, List.of());
    }
}
