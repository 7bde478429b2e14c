package dev.arenaemu.benchmarks;

import dev.arenaemu.scenarios.format.ScenarioException;
import dev.arenaemu.scenarios.replay.Outcome;
import dev.arenaemu.scenarios.replay.Replayer;
import dev.arenaemu.scenarios.sweep.Sweep;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fault-injection sweep throughput (issue 6: at least 10 000 injected runs per minute on two
 * cores): {@link Sweep} as `./arena-emu sweep --jobs 2` drives it, over {@link CorpusSample} in
 * every era each scenario lists, without random runs. One operation is one injected (fail-nth)
 * run; the counting runs are paid for but not counted.
 *
 * <p>The sweep runs on {@link #JOBS} worker threads, each with its own {@link Replayer}, started
 * afresh for every invocation (thread start-up is part of the measured time, as it is for the
 * command). The figure is for the whole machine: it is only as good as the cores the JMH fork
 * really gets, so another build running alongside lowers it. The sample runs no BPF programs, so
 * the compiled-object cache plays no part here.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MINUTES)
@State(Scope.Thread)
public class SweepBench {
    /**
     * Fail-nth runs one sweep of the sample makes: the sum of the injection sites' hit counts.
     * Checked in {@link #countInjectedRuns}: a model change that adds or moves sites shows there.
     */
    static final int INJECTED_RUNS = 140;
    /** Worker threads: the two cores issue 6 sets the target for. */
    static final int JOBS = 2;

    List<Sweep.Target> targets;
    Sweep sweep;

    @Setup(Level.Trial)
    public void countInjectedRuns() throws ScenarioException {
        targets = CorpusSample.runs().stream().map(r -> new Sweep.Target(r.scenario(), r.era())).toList();
        sweep = new Sweep(Replayer::new, JOBS);
        int injected = sweepOnce();
        if (injected != INJECTED_RUNS) throw new IllegalStateException("one sweep of the corpus sample makes " + injected + " injected runs; set INJECTED_RUNS to it");
    }

    /** Sweeps every scenario-era pair once; returns the number of injected runs, all of which must pass. */
    private int sweepOnce() {
        List<Outcome> outcomes = sweep.run(targets, new Sweep.Options(0, 1, 10), new TreeMap<>(), o -> {});
        for (Outcome o : outcomes) {
            if (!o.passed()) throw new IllegalStateException(o.title() + ": " + String.join("\n", o.problems()));
        }
        return outcomes.size() - targets.size();   // all but the counting runs
    }

    @Benchmark
    @OperationsPerInvocation(INJECTED_RUNS)
    public int sweep() {
        return sweepOnce();
    }

    /**
     * Every fail-nth run the real corpus (scenarios/corpus, read from the working directory as
     * `./arena-emu` runs from the repository root) makes, planned once; the two benchmark threads
     * (the two cores of the target) take the next run in turn, each on its own {@link Replayer}.
     * The score is injected runs/min on the real corpus's mix, without the command's start-up
     * and counting runs: most of its runs belong to a few large scenarios (13-41 allocates and
     * frees 2,051 pages in every run).
     */
    @State(Scope.Benchmark)
    public static class WholeCorpus {
        List<Sweep.InjectedRun> runs;
        final AtomicInteger next = new AtomicInteger();

        @Setup(Level.Trial)
        public void plan() throws Exception {
            Path dir = Path.of(System.getProperty("arenaemu.corpus", "scenarios/corpus"));
            if (!Files.isDirectory(dir)) {
                throw new IllegalStateException(dir.toAbsolutePath() + " is not a directory: run the benchmark from the repository root");
            }
            Replayer counter = new Replayer();
            runs = new ArrayList<>();
            try (var files = Files.list(dir)) {
                for (Path f : files.filter(x -> x.toString().endsWith(".json")).sorted().toList()) {
                    var s = dev.arenaemu.scenarios.format.ScenarioReader.read(f);
                    for (var era : s.eras()) runs.addAll(Sweep.plan(counter, new Sweep.Target(s, era), new Sweep.Options(0, 1, 10)));
                }
            }
            // A fixed shuffle: consecutive runs of one scenario would otherwise meet in both threads.
            Collections.shuffle(runs, new Random(1));
            // The mix touches far more code than the runner's 3 s of warm-up iterations compile
            // (measured: 8,700 runs/min in the first 3,000 runs on two threads, 13,000 after), so
            // the trial starts with WARM_UP_RUNS unmeasured runs, as a long sweep's JVM would be.
            for (int i = 0; i < WARM_UP_RUNS; i++) runs.get(runs.size() - 1 - i % runs.size()).execute(counter);
        }

        static final int WARM_UP_RUNS = 3000;
    }

    /** Per-thread replayer of {@link #wholeCorpusInjectedRun}. */
    @State(Scope.Thread)
    public static class Worker {
        final Replayer replayer = new Replayer();
    }

    @Benchmark
    @org.openjdk.jmh.annotations.Threads(JOBS)
    public Outcome wholeCorpusInjectedRun(WholeCorpus corpus, Worker worker) {
        Sweep.InjectedRun run = corpus.runs.get(Math.floorMod(corpus.next.getAndIncrement(), corpus.runs.size()));
        Outcome o = run.execute(worker.replayer);
        if (!o.passed()) throw new IllegalStateException(o.title() + ": " + String.join("\n", o.problems()));
        return o;
    }
}
