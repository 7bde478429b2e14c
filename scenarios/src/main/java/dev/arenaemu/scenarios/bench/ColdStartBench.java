package dev.arenaemu.scenarios.bench;

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
 * CLI cold start (issue 6: at most 1.5 s): a fresh JVM started exactly as the launcher's
 * {@code run_jar} does, replaying one small scenario (catalogue 5, a single create_arena) and
 * exiting 0. The time covers JVM start, loading libunicorn, parsing, one replay and the report.
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
    public void prepare() throws IOException, URISyntaxException {
        String java = ProcessHandle.current().info().command()
            .orElseThrow(() -> new IllegalStateException("cannot tell which java runs this benchmark"));
        // The benchmark JVM runs from the shaded jar (BenchRunner forks with the launcher's class path).
        Path jar = Path.of(ColdStartBench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (!Files.isRegularFile(jar) || !jar.toString().endsWith(".jar")) {
            throw new IllegalStateException("ColdStartBench must run from the shaded arena-emu.jar, not " + jar);
        }
        scenario = Files.createTempFile("arena-emu-coldstart-", ".json");
        Files.writeString(scenario, SCENARIO, StandardCharsets.UTF_8);
        // Keep in step with run_jar in ./arena-emu.
        command = List.of(java, "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss4m",
            "-jar", jar.toString(), "replay", scenario.toString());
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
