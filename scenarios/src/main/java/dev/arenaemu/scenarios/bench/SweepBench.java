package dev.arenaemu.scenarios.bench;

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

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Fault-injection sweep throughput (issue 6: at least 10 000 injected runs per minute on two
 * cores): {@link Sweep} as `./arena-emu sweep` drives it, over {@link CorpusSample} in every era
 * each scenario lists, without random runs. One operation is one injected (fail-nth) run; the
 * counting runs are paid for but not counted.
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

    List<CorpusSample.Run> runs;
    Sweep sweep;

    @Setup(Level.Trial)
    public void countInjectedRuns() throws ScenarioException {
        runs = CorpusSample.runs();
        sweep = new Sweep(new Replayer());
        int injected = sweepOnce();
        if (injected != INJECTED_RUNS) throw new IllegalStateException("one sweep of the corpus sample makes " + injected + " injected runs; set INJECTED_RUNS to it");
    }

    /** Sweeps every scenario-era pair once; returns the number of injected runs, all of which must pass. */
    private int sweepOnce() {
        Map<String, Sweep.SiteStats> table = new TreeMap<>();
        int injected = 0;
        for (CorpusSample.Run r : runs) {
            List<Outcome> outcomes = sweep.run(r.scenario(), r.era(), 0, 1, 10, table, o -> {});
            for (Outcome o : outcomes) {
                if (!o.passed()) throw new IllegalStateException(o.title() + ": " + String.join("\n", o.problems()));
            }
            injected += outcomes.size() - 1;
        }
        return injected;
    }

    @Benchmark
    @OperationsPerInvocation(INJECTED_RUNS)
    public int sweep() {
        return sweepOnce();
    }
}
