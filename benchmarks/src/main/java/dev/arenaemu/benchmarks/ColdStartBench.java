package dev.arenaemu.benchmarks;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * CLI cold start (at most 0.5 s): {@code ./arena-emu replay FILE} exactly as a user types it,
 * replaying one small scenario (catalogue 5, a single create_arena) and exiting 0. The time covers
 * the launcher's checks, JVM start (with the launcher's start-up cache), loading libunicorn,
 * parsing, one replay per era and the report. The trial's set-up runs the command once
 * unmeasured, so the build and the start-up cache exist before the first measured start.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class ColdStartBench {
    /** scenarios/corpus/13-05-zero-size.json without its description. */
    private static final String SCENARIO = """
        {"name": "13-05-zero-size", "era": ["v6.13", "v7.0", "latest"],
         "steps": [{"op": "create_arena", "max_entries": 0, "expect": {"errno": "EINVAL"}}]}
        """;

    List<String> command;
    Path scenario;

    @Setup(Level.Trial)
    public void prepare() throws IOException, URISyntaxException, InterruptedException {
        // The benchmark JVM runs from benchmarks/target/arena-emu-bench.jar; the launcher is at the root.
        Path jar = Path.of(ColdStartBench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path launcher = jar.getParent() == null || jar.getParent().getParent() == null ? null
            : jar.getParent().getParent().resolveSibling("arena-emu");
        if (!Files.isRegularFile(jar) || launcher == null || !Files.isExecutable(launcher)) {
            throw new IllegalStateException("ColdStartBench must run from benchmarks/target/arena-emu-bench.jar beside ./arena-emu, not " + jar);
        }
        scenario = Files.createTempFile("arena-emu-coldstart-", ".json");
        Files.writeString(scenario, SCENARIO, StandardCharsets.UTF_8);
        command = List.of(launcher.toString(), "replay", scenario.toString());
        replayOneScenario();
    }

    @TearDown(Level.Trial)
    public void removeScenario() throws IOException {
        Files.deleteIfExists(scenario);
    }

    @Benchmark
    public int replayOneScenario() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = p.getInputStream().readAllBytes();
        int status = p.waitFor();
        if (status != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + status + ":\n" + new String(output, StandardCharsets.UTF_8));
        }
        return status;
    }
}
