package dev.arenaemu.benchmarks;

import dev.arenaemu.scenarios.check.InvariantChecker;
import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.format.ScenarioException;
import dev.arenaemu.scenarios.format.ScenarioReader;
import dev.arenaemu.scenarios.replay.Outcome;
import dev.arenaemu.scenarios.replay.Replayer;
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
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The replayer's own costs: reading a scenario, and replaying one end to end (a fresh machine,
 * 16 steps with a snapshot, a PTE diff and the invariant check after each, teardown and the leak
 * check) — the figure a corpus replay or a sweep multiplies — and corpus replay throughput in one
 * JVM (issue 6: at least 500 scenarios/s).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ReplayBench {
    /** Catalogue 52-like: two processes, fault-ins in both, a bulk free that zaps both. */
    static final String SCENARIO = """
        {"name": "bench", "era": "v6.13", "processes": ["U", "U2"], "arena": {"max_entries": 16},
         "steps": [
           {"op": "mmap", "length": "64K", "as": "X"},
           {"op": "mmap", "process": "U2", "addr": "X", "length": "64K", "flags": ["SHARED", "FIXED"]},
           {"op": "kfunc", "name": "alloc_pages", "page_cnt": 8, "expect": {"ret": "X"}},
           {"op": "write", "addr": "X", "value": 1},
           {"op": "write", "addr": "X+4K", "value": 2},
           {"op": "write", "addr": "X+8K", "value": 3},
           {"op": "write", "addr": "X+12K", "value": 4},
           {"op": "read", "process": "U2", "addr": "X", "expect": {"value": 1}},
           {"op": "read", "process": "U2", "addr": "X+4K", "expect": {"value": 2}},
           {"op": "read", "process": "U2", "addr": "X+8K", "expect": {"value": 3}},
           {"op": "read", "process": "U2", "addr": "X+12K", "expect": {"value": 4}},
           {"op": "kfunc", "name": "free_pages", "addr": "X", "page_cnt": 8},
           {"op": "read", "addr": "X", "expect": {"value": 0}},
           {"op": "read", "process": "U2", "addr": "X+4K", "expect": {"value": 0}},
           {"op": "kfunc", "name": "reserve_pages", "addr": "X+60K", "page_cnt": 1, "expect": {"ret": 0}},
           {"op": "checkpoint"}
         ]}""";

    @State(Scope.Thread)
    public static class Input {
        Scenario scenario;
        Replayer replayer;

        @Setup(Level.Trial)
        public void read() throws ScenarioException {
            scenario = ScenarioReader.parse(Path.of("bench.json"), SCENARIO);
            replayer = new Replayer();
        }
    }

    @Benchmark
    public Scenario readScenario() throws ScenarioException {
        return ScenarioReader.parse(Path.of("bench.json"), SCENARIO);
    }

    @Benchmark
    public Outcome replayScenario(Input in) {
        Outcome o = in.replayer.run(in.scenario, Era.V6_13, List.of(), "bench");
        if (!o.passed()) throw new IllegalStateException(String.join("\n", o.problems()));
        return o;
    }

    /** The corpus sample, one replay per scenario and era, parsed once. */
    @State(Scope.Thread)
    public static class Corpus {
        List<CorpusSample.Run> runs;
        Replayer replayer;

        @Setup(Level.Trial)
        public void read() throws ScenarioException {
            runs = CorpusSample.runs();
            if (runs.size() != CORPUS_RUNS) throw new IllegalStateException("the corpus sample has " + runs.size() + " runs; set CORPUS_RUNS to it");
            replayer = new Replayer();
        }
    }

    /** Scenario-era replays in {@link CorpusSample}: 4 scenarios in 3 eras and one in 1. */
    static final int CORPUS_RUNS = 13;

    /** Like `./arena-emu replay` over a small corpus, in scenarios/s; every replay must pass. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(CORPUS_RUNS)
    public int corpusReplay(Corpus in) {
        int passed = 0;
        for (CorpusSample.Run r : in.runs) {
            Outcome o = in.replayer.run(r.scenario(), r.era(), List.of(), "bench");
            if (!o.passed()) throw new IllegalStateException(r.scenario().name() + " [" + r.era() + "]: " + String.join("\n", o.problems()));
            passed++;
        }
        return passed;
    }

    /**
     * Every scenario of the repository's corpus (scenarios/corpus, read from the working
     * directory as `./arena-emu` runs from the repository root) in every era it lists, parsed
     * once; each invocation replays the next one, so the score is corpus scenarios/s in one JVM,
     * C programs (compiled once and cached) and user code included.
     */
    @State(Scope.Thread)
    public static class WholeCorpus {
        List<CorpusSample.Run> runs;
        Replayer replayer;
        int next;

        @Setup(Level.Trial)
        public void read() throws Exception {
            Path dir = Path.of(System.getProperty("arenaemu.corpus", "scenarios/corpus"));
            if (!Files.isDirectory(dir)) {
                throw new IllegalStateException(dir.toAbsolutePath() + " is not a directory: run the benchmark from the repository root");
            }
            runs = new ArrayList<>();
            try (var files = Files.list(dir)) {
                for (Path f : files.filter(x -> x.toString().endsWith(".json")).sorted().toList()) {
                    Scenario s = ScenarioReader.read(f);
                    for (Era e : s.eras()) runs.add(new CorpusSample.Run(s, e));
                }
            }
            replayer = new Replayer();
            // Two unmeasured passes: the first compiles the corpus's C programs (cached after),
            // and the mix needs more JIT warm-up than the runner's 3 s of warm-up iterations.
            for (int pass = 0; pass < 2; pass++) for (CorpusSample.Run r : runs) replayer.run(r.scenario(), r.era(), List.of(), "warm-up");
        }
    }

    /** `./arena-emu replay scenarios` without start-up: scenarios/s over the real corpus (issue 6: at least 500). */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public Outcome wholeCorpusReplay(WholeCorpus in) {
        CorpusSample.Run r = in.runs.get(in.next);
        in.next = (in.next + 1) % in.runs.size();
        Outcome o = in.replayer.run(r.scenario(), r.era(), List.of(), "bench");
        if (!o.passed()) throw new IllegalStateException(r.scenario().name() + " [" + r.era() + "]: " + String.join("\n", o.problems()));
        return o;
    }

    /** Keeps the checker's class loaded in the benchmark JVM (the replay above runs it per step). */
    static final Class<?> CHECKER = InvariantChecker.class;
}
