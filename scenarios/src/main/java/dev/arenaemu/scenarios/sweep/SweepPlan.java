package dev.arenaemu.scenarios.sweep;

import dev.arenaemu.scenarios.format.Inject;
import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.format.Where;
import dev.arenaemu.scenarios.replay.Outcome;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The injected runs of one scenario in one era, derived from its counting run alone: one fail-nth
 * run per hit of every site (sites in name order, hits in ascending order), then the seeded random
 * runs. A pure function of (scenario, counting run, options), so the plan — and with it the order
 * of results — is the same whichever thread computes it and however many workers execute it.
 */
final class SweepPlan {
    /** "(random)" in the summary table. */
    static final String RANDOM = "(random)";

    /**
     * One injected run.
     *
     * @param site   the summary-table row it counts in: the failed site, or {@link #RANDOM}
     * @param random a random run (judged as a plain replay when nothing was injected)
     */
    record Run(String site, List<Inject> inject, String name, boolean random) {}

    private SweepPlan() {}

    static List<Run> of(Scenario scenario, Outcome counting, Sweep.Options options) {
        List<Run> runs = new ArrayList<>();
        Where here = new Where(scenario.file().toString(), 1, 1);
        for (Map.Entry<String, Long> e : new TreeMap<>(counting.siteHits()).entrySet()) {
            for (long n = 1; n <= e.getValue(); n++) {
                Inject fail = new Inject(here, e.getKey(), n, 0, 0, 0, 1);
                runs.add(new Run(e.getKey(), List.of(fail), "fail " + e.getKey() + " #" + n, false));
            }
        }
        SplittableRandom random = new SplittableRandom(options.seed());
        for (int i = 0; i < options.randomRuns(); i++) {
            long runSeed = random.nextLong() & Long.MAX_VALUE;
            List<Inject> injects = new ArrayList<>();
            for (String site : counting.siteHits().keySet()) {
                injects.add(new Inject(here, site, 0, options.percent(), runSeed + site.hashCode(), 0, 1));
            }
            runs.add(new Run(RANDOM, List.copyOf(injects), "random " + options.percent() + "% seed " + runSeed, true));
        }
        return runs;
    }
}
