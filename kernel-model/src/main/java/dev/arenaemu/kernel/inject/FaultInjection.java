package dev.arenaemu.kernel.inject;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The kernel's fault-injection framework for this model (lib/fault-inject.c, plus the per-task
 * fail-nth file): code at each {@link InjectionSite} asks {@link #shouldFail} before an
 * allocation that can fail, and takes its error path when told to.
 *
 * <p>Two controls, usable together:
 * <ul>
 *   <li>{@link #failNth(InjectionSite, long)}: fail exactly the n-th hit (1-based) of a site,
 *       counted from now — the sweep's tool (count hits once, then fail each one in a replay);</li>
 *   <li>{@link #configure(InjectionSite, FaultAttr)}: probability/interval/times/space with a seed,
 *       evaluated the way should_fail() does.</li>
 * </ul>
 * Every hit is counted per site whether or not it fails; every injected failure is logged.
 */
public final class FaultInjection {
    /** One injected failure: the site and which hit of it (1-based, since the counters were last reset). */
    public record Injected(InjectionSite site, long hit) {}

    // Per site, indexed by ordinal: shouldFail runs on every page allocation and PTE install
    // (twice per populating user fault), where a map of boxed counters allocated on each hit.
    private static final InjectionSite[] SITES = InjectionSite.values();
    /** Hits since the last reset. */
    private final long[] hits = new long[SITES.length];
    /** The hit a {@link #failNth} target fails; 0 for none (hits count from 1). */
    private final long[] failAt = new long[SITES.length];
    private final Rule[] rules = new Rule[SITES.length];
    private final List<Injected> log = new ArrayList<>();

    /** A configured fault_attr with its mutable counters (times left, space left, interval count). */
    private static final class Rule {
        final FaultAttr attr;
        final SplittableRandom random;
        long timesLeft;
        long spaceLeft;
        long count;

        Rule(FaultAttr attr) {
            this.attr = attr;
            this.random = new SplittableRandom(attr.seed());
            this.timesLeft = attr.times();
            this.spaceLeft = attr.space();
        }

        /** should_fail_ex(): the same order of tests as lib/fault-inject.c. */
        boolean fire() {
            if (timesLeft == 0) return false;
            if (spaceLeft > 0) {
                spaceLeft--;
                return false;
            }
            if (attr.interval() > 1) {
                count++;
                if (count % attr.interval() != 0) return false;
            }
            if (attr.probability() <= random.nextInt(100)) return false;
            if (timesLeft != -1) timesLeft--;
            return true;
        }
    }

    /**
     * Called by kernel code at {@code site}: counts the hit and says whether this attempt must
     * fail. A {@link #failNth} target takes precedence over a configured rule.
     */
    public boolean shouldFail(InjectionSite site) {
        int s = site.ordinal();
        long hit = ++hits[s];
        boolean fail = false;
        if (failAt[s] == hit) {
            failAt[s] = 0;
            fail = true;
        } else if (rules[s] != null) {
            fail = rules[s].fire();
        }
        if (fail) log.add(new Injected(site, hit));
        return fail;
    }

    /** Fails the {@code n}-th hit of {@code site} counted from now (1 = the next one), once. */
    public void failNth(InjectionSite site, long n) {
        if (n < 1) throw new IllegalArgumentException("fail_nth counts from 1: " + n);
        failAt[site.ordinal()] = hits[site.ordinal()] + n;
    }

    /** Installs a fault_attr for {@code site}, replacing any earlier one. */
    public void configure(InjectionSite site, FaultAttr attr) {
        rules[site.ordinal()] = new Rule(attr);
    }

    /** Removes every control of {@code site}; its hit counter stays. */
    public void clear(InjectionSite site) {
        rules[site.ordinal()] = null;
        failAt[site.ordinal()] = 0;
    }

    /** Removes every control and zeroes every counter and the log. */
    public void reset() {
        Arrays.fill(rules, null);
        Arrays.fill(failAt, 0);
        Arrays.fill(hits, 0);
        log.clear();
    }

    /** How often {@code site} was reached (failed or not) since the last reset. */
    public long hits(InjectionSite site) {
        return hits[site.ordinal()];
    }

    /** A copy of the hit count of every site reached since the last reset (sites never reached are left out). */
    public Map<InjectionSite, Long> hitCounts() {
        Map<InjectionSite, Long> copy = new EnumMap<>(InjectionSite.class);
        for (InjectionSite site : SITES) if (hits[site.ordinal()] > 0) copy.put(site, hits[site.ordinal()]);
        return copy;
    }

    /** The failures injected so far, in order. */
    public List<Injected> injected() {
        return Collections.unmodifiableList(log);
    }
}
