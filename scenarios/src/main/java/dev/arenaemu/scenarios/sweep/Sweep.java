package dev.arenaemu.scenarios.sweep;

import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.replay.Outcome;
import dev.arenaemu.scenarios.report.RunTally;
import dev.arenaemu.scenarios.replay.StepEffect;
import dev.arenaemu.scenarios.replay.Mismatch;
import dev.arenaemu.scenarios.replay.ScenarioRunner;
import dev.arenaemu.scenarios.shard.Shard;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Fault-injection sweep over scenarios, in the spirit of the kernel's fail-nth loops: replay a
 * scenario once to count how often each injection site is reached, then replay once per hit with
 * exactly that hit failed ({@link SweepPlan}). Optionally add seeded random runs that fail every
 * site with some probability.
 *
 * <p>With more than one job the runs execute on worker threads ({@link SweepWorkers}), several
 * scenarios in flight at once (issue 6: sweep throughput on two cores). Every run is independent
 * and deterministic, and results are taken in plan order on the calling thread, so outcomes, the
 * progress callback and the summary table are the same for any number of jobs. With one job the
 * runs execute one after another on the calling thread.
 *
 * <p>A failing run is judged by what must hold whatever fails, not by the scenario's
 * expectations (which assume success): the failure was injected, the invariants held after every
 * step, teardown returned every frame, the kernel reported nothing, the model did not throw, and
 * every step during which a failure was injected either reported an error as the kernel does
 * (NULL, -errno, a signal, a kfunc failure seen by the program) or showed the result it has
 * without the injection (compared with the counting run, see {@link #silentChanges}).
 */
public final class Sweep {
    /** Per-site totals for the summary table. */
    public static final class SiteStats {
        public long hits;
        public int runs;
        public int passed;
    }

    /** One scenario in one era. */
    public record Target(Scenario scenario, Era era) {}

    /** @param randomRuns random runs per target; @param seed their seed; @param percent their failure probability */
    public record Options(int randomRuns, long seed, int percent) {}

    private final Supplier<? extends ScenarioRunner> runners;
    private final int jobs;
    /** The runs this sweep executes and reports ({@code --shard K/N}); counting runs always execute, since they plan the rest. */
    private Shard shard = Shard.ALL;

    /**
     * @param runners makes the runner of each worker thread (called once per thread)
     * @param jobs    worker threads; 1 runs everything on the calling thread
     */
    public Sweep(Supplier<? extends ScenarioRunner> runners, int jobs) {
        if (jobs < 1) throw new IllegalArgumentException("jobs must be at least 1, not " + jobs);
        this.runners = runners;
        this.jobs = jobs;
    }

    /**
     * Only the runs of {@code s}: each counting run and each injected run belongs to the shard of
     * its stable id ({@link Shard#id}: scenario name, era, run name). Every target's counting run
     * still executes in every shard (it plans the injected runs), but only its own shard reports it.
     */
    public Sweep sharded(Shard s) {
        this.shard = s;
        return this;
    }

    /**
     * What {@link #runNumbered} returns: the outcomes kept (every one, or only those that did not
     * pass), each one's position in the unsharded sweep, and the counts of all runs by status.
     */
    public record Numbered(List<Outcome> outcomes, List<Integer> seqs, RunTally tally) {}

    /** One runner, everything on the calling thread. */
    public Sweep(ScenarioRunner runner) {
        this(() -> runner, 1);
    }

    /** One target: see {@link #run(List, Options, Map, Consumer)}. */
    public List<Outcome> run(Scenario scenario, Era era, int randomRuns, long seed, int percent,
                             Map<String, SiteStats> table, Consumer<Outcome> progress) {
        return run(List.of(new Target(scenario, era)), new Options(randomRuns, seed, percent), table, progress);
    }

    /**
     * Sweeps every target in order: its counting run first, then its injected runs. Returns the
     * outcomes in that order; {@code progress} sees each in the same order, on the calling thread,
     * and {@code table} is updated there too.
     */
    public List<Outcome> run(List<Target> targets, Options options, Map<String, SiteStats> table, Consumer<Outcome> progress) {
        return runNumbered(targets, options, table, progress).outcomes();
    }

    /** {@link #run(List, Options, Map, Consumer)}, with the position of each outcome in the unsharded sweep. */
    public Numbered runNumbered(List<Target> targets, Options options, Map<String, SiteStats> table, Consumer<Outcome> progress) {
        return runNumbered(targets, options, table, progress, true);
    }

    /**
     * {@link #runNumbered(List, Options, Map, Consumer)}; with {@code keepPassing} false only the
     * runs that did not pass are kept (a passing run is seen by {@code progress} and counted in
     * the tally and the table, then dropped), so a sweep of any length holds memory for its
     * failures only.
     */
    public Numbered runNumbered(List<Target> targets, Options options, Map<String, SiteStats> table, Consumer<Outcome> progress, boolean keepPassing) {
        Results results = new Results(table, progress, keepPassing);
        if (jobs == 1) {
            ScenarioRunner runner = runners.get();
            for (Target t : targets) {
                Outcome counting = count(runner, t);
                results.counted(counting, owns(t, counting.run()));
                for (SweepPlan.Run run : SweepPlan.of(t.scenario(), counting, options)) {
                    if (owns(t, run.name())) results.add(run, execute(runner, t, run, counting));
                    else results.skip();
                }
            }
        } else {
            try (SweepWorkers workers = new SweepWorkers(runners, jobs)) {
                runInParallel(workers, targets, options, results);
            }
        }
        return new Numbered(results.all, results.seqs, results.tally);
    }

    private boolean owns(Target t, String run) {
        return shard.owns(Shard.id(t.scenario().name(), t.era().label, run));
    }

    /**
     * Keeps a few targets in flight so the workers always have runs queued — a target's injected
     * runs are queued by whichever worker finishes its counting run — while this thread takes
     * the results in plan order. Bounded so that progress keeps up with the work and results
     * nobody has taken yet do not pile up.
     */
    private void runInParallel(SweepWorkers workers, List<Target> targets, Options options, Results results) {
        Deque<InFlight> window = new ArrayDeque<>();
        Iterator<Target> next = targets.iterator();
        int ahead = 2 * jobs;
        while (window.size() < ahead && next.hasNext()) window.add(start(workers, next.next(), options));
        while (!window.isEmpty()) {
            InFlight current = window.poll();
            if (next.hasNext()) window.add(start(workers, next.next(), options));
            Outcome counting = join(current.counting());
            results.counted(counting, owns(current.target(), counting.run()));
            for (Planned p : join(current.runs())) {
                if (p.outcome() == null) results.skip();
                else results.add(p.run(), join(p.outcome()));
            }
        }
    }

    /** A target's counting run, and its injected runs once the counting run has planned them. */
    private record InFlight(Target target, CompletableFuture<Outcome> counting, CompletableFuture<List<Planned>> runs) {}

    /** @param outcome null for a run of another shard (not executed) */
    private record Planned(SweepPlan.Run run, CompletableFuture<Outcome> outcome) {}

    private InFlight start(SweepWorkers workers, Target t, Options options) {
        CompletableFuture<Outcome> counting = workers.submit(runner -> count(runner, t));
        CompletableFuture<List<Planned>> runs = counting.thenApply(c -> SweepPlan.of(t.scenario(), c, options).stream()
            .map(run -> new Planned(run, owns(t, run.name()) ? workers.submit(runner -> execute(runner, t, run, c)) : null)).toList());
        return new InFlight(t, counting, runs);
    }

    /** The result, or what the run threw, as if it had run on this thread. */
    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error r) throw r;
            throw e;
        }
    }

    /**
     * One planned injected run, with the counting run it is judged against: what a sweep
     * executes, for callers that schedule runs themselves (the whole-corpus sweep benchmark).
     */
    public static final class InjectedRun {
        private final Target target;
        private final SweepPlan.Run run;
        private final Outcome counting;

        private InjectedRun(Target target, SweepPlan.Run run, Outcome counting) {
            this.target = target;
            this.run = run;
            this.counting = counting;
        }

        /** Replays the run on {@code runner} and judges it as the sweep does. */
        public Outcome execute(ScenarioRunner runner) {
            return Sweep.execute(runner, target, run, counting);
        }
    }

    /** The injected runs a sweep makes for {@code t}, after its counting run on {@code runner}. */
    public static List<InjectedRun> plan(ScenarioRunner runner, Target t, Options options) {
        Outcome counting = count(runner, t);
        return SweepPlan.of(t.scenario(), counting, options).stream().map(r -> new InjectedRun(t, r, counting)).toList();
    }

    private static Outcome count(ScenarioRunner runner, Target t) {
        return runner.run(t.scenario(), t.era(), List.of(), "count hits");
    }

    private static Outcome execute(ScenarioRunner runner, Target t, SweepPlan.Run run, Outcome counting) {
        Outcome o = runner.run(t.scenario(), t.era(), run.inject(), run.name());
        // A random run may inject nothing; then it is a plain replay and must pass as one.
        Outcome judged = run.random() && o.injected() == 0 ? o : judge(o, counting);
        return judged.passed() ? judged.summary() : judged;   // a failing run keeps its trace for the reader
    }

    /** Outcomes in plan order, the summary table and the progress callback; used on the calling thread only. */
    private static final class Results {
        final List<Outcome> all = new ArrayList<>();
        final List<Integer> seqs = new ArrayList<>();
        final RunTally tally = new RunTally();
        final Map<String, SiteStats> table;
        /** The position of the next run in the unsharded sweep. */
        int seq;
        final Consumer<Outcome> progress;
        final boolean keepPassing;

        Results(Map<String, SiteStats> table, Consumer<Outcome> progress, boolean keepPassing) {
            this.table = table;
            this.progress = progress;
            this.keepPassing = keepPassing;
        }

        private void keep(int at, Outcome o) {
            tally.add(o);
            progress.accept(o);
            if (keepPassing) {
                seqs.add(at);
                all.add(o);
            } else if (!o.passed()) {
                seqs.add(at);
                all.add(o.summary());   // its trace went to the progress callback; the verdict and problems stay
            }
        }

        /** @param owned whether this shard reports the counting run (its hits count in the table only then) */
        void counted(Outcome full, boolean owned) {
            int mine = seq++;
            if (!owned) return;
            Outcome counting = full.passed() ? full.summary() : full;   // the injected runs were judged against the full one
            for (Map.Entry<String, Long> e : new TreeMap<>(counting.siteHits()).entrySet()) {
                table.computeIfAbsent(e.getKey(), k -> new SiteStats()).hits += e.getValue();
            }
            keep(mine, counting);
        }

        /** A run of another shard: it keeps its place in the sequence. */
        void skip() {
            seq++;
        }

        void add(SweepPlan.Run run, Outcome o) {
            SiteStats stats = table.computeIfAbsent(run.site(), k -> new SiteStats());
            stats.runs++;
            if (o.passed()) stats.passed++;
            keep(seq++, o);
        }
    }

    /** Re-judges a run with an injected failure against the uninjected run {@code baseline} (see the class comment). */
    static Outcome judge(Outcome o, Outcome baseline) {
        // A run stopped by its limits or by a bug of arena-emu says nothing about the injected failure: it keeps its own verdict.
        if (o.status() == Outcome.Status.LIMIT || o.status() == Outcome.Status.INTERNAL) return o;
        if (o.injected() == 0) {
            return o.withStatus(Outcome.Status.FAIL, o.mismatches());
        }
        List<Mismatch> silent = silentChanges(o, baseline);
        boolean ok = silent.isEmpty() && o.violations().isEmpty() && o.kernelReports().isEmpty()
            && (o.error() == null || o.status() == Outcome.Status.ERROR);
        return o.withStatus(ok ? Outcome.Status.PASS : Outcome.Status.FAIL, silent);
    }

    /**
     * The step during which a failure was injected and whose result differs from the uninjected
     * run's without the step reporting an error: a failure the caller could not see (a different
     * address, a value, a success that was not one). A step whose result is unchanged absorbed the
     * failure (a fallback path), as the kernel may. Only the first step whose result differs is
     * judged: up to it both runs executed the same steps on the same state, so the n-th step of
     * each is the same step; after it the runs have diverged (a random run's earlier failure, even
     * one the caller saw, legitimately changes what later steps return and even their arguments).
     */
    static List<Mismatch> silentChanges(Outcome o, Outcome baseline) {
        List<Mismatch> out = new ArrayList<>();
        for (int n = 0; n < o.effects().size(); n++) {
            StepEffect e = o.effects().get(n);
            String before = n < baseline.effects().size() ? baseline.effects().get(n).line() : "(not executed)";
            if (before.equals(e.line())) continue;
            if (!e.injectedSites().isEmpty() && !e.reportedError()) {
                out.add(new Mismatch(e.index(), e.index() < 0 ? "setup step" : "step " + e.index(),
                    "failure injected at " + String.join(", ", e.injectedSites()),
                    "an error (NULL, -errno or a signal) or the uninjected result: " + before, e.line(), null));
            }
            break;
        }
        return out;
    }
}
