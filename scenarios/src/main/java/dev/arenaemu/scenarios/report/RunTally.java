package dev.arenaemu.scenarios.report;

import dev.arenaemu.scenarios.replay.Outcome;

import java.util.EnumMap;
import java.util.Map;

/**
 * How many runs ended with each {@link Outcome.Status}: what the summary line needs of runs that
 * are no longer kept (a long sweep keeps only its failures).
 */
public final class RunTally {
    private final Map<Outcome.Status, Long> counts = new EnumMap<>(Outcome.Status.class);
    private long total;

    public void add(Outcome o) {
        counts.merge(o.status(), 1L, Long::sum);
        total++;
    }

    public long total() { return total; }

    public long count(Outcome.Status status) {
        return counts.getOrDefault(status, 0L);
    }

    /** The tally of {@code outcomes}. */
    public static RunTally of(Iterable<Outcome> outcomes) {
        RunTally t = new RunTally();
        for (Outcome o : outcomes) t.add(o);
        return t;
    }
}
