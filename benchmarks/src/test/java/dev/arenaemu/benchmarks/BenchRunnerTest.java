package dev.arenaemu.benchmarks;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `./arena-emu bench NAME` selects by name and prints one row per benchmark and parameter value (in-process here, one short iteration). */
class BenchRunnerTest {
    private static OptionsBuilder quick() {
        OptionsBuilder o = new OptionsBuilder();
        o.forks(0).warmupIterations(0).measurementIterations(1).measurementTime(TimeValue.milliseconds(300))
            .shouldFailOnError(true).verbosity(VerboseMode.SILENT);
        return o;
    }

    /** What {@code ./arena-emu bench NAME} printed, and its exit status. */
    private record Bench(int status, String out) {
        static Bench of(String name) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            int status = BenchRunner.run(List.of(name), new PrintStream(bytes, true, StandardCharsets.UTF_8), quick());
            return new Bench(status, bytes.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void namedBenchmarkRunsAndPrintsItsRowInMicroseconds() {
        Bench b = Bench.of("\\.faultLoop");
        String out = b.out();
        assertEquals(0, b.status(), out);
        List<String> rows = out.lines().filter(l -> l.startsWith("EmulatorBench.")).toList();
        assertEquals(List.of("READ", "READ_FRESH_HOST_PAGE", "WRITE", "FIXUP").size(), rows.size(), out);
        for (String loop : List.of("READ", "READ_FRESH_HOST_PAGE", "WRITE", "FIXUP")) {
            assertTrue(rows.stream().anyMatch(r -> r.startsWith("EmulatorBench.faultLoop[loop=" + loop + "]") && r.endsWith("us/op")), out);
        }
    }

    @Test
    void engineFootprintIsMeasuredInAJvmOfItsOwnAndPrinted() {
        Bench b = Bench.of("EngineFootprint");
        String out = b.out();
        assertEquals(0, b.status(), out);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("EngineFootprint: .*each further CPU engine: (\\d+\\.\\d+) MiB \\(TCG buffer reserved: 32 MiB\\)").matcher(out);
        assertTrue(m.find(), out);
        assertTrue(Double.parseDouble(m.group(1)) > 0, "an engine costs memory: " + out);
    }

    @Test
    void aNameThatIsNotARegularExpressionIsReportedWithStatusTwo() {
        Bench b = Bench.of("fault[Loop");
        assertEquals(2, b.status(), b.out());
        assertTrue(b.out().contains("not a regular expression"), b.out());
    }

    @Test
    void unknownNameIsReportedWithStatusTwo() {
        Bench b = Bench.of("noSuchBenchmark");
        assertEquals(2, b.status(), b.out());
        assertTrue(b.out().contains("no benchmark matches"), b.out());
    }
}
