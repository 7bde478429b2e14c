package dev.arenaemu.benchmarks;

import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormat;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.openjdk.jmh.util.Statistics;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code ./arena-emu bench [NAME...]}: runs the JMH benchmarks of this package and prints one
 * line per benchmark (and @Param value). A NAME is a regular expression found in the benchmark's name
 * ({@code EmulatorBench}, {@code faultLoop}, {@code Emulator.*FaultLoop}); none means all.
 *
 * <p>Settings keep the whole set within minutes on two cores: one fork (the JVM is started again
 * from the same class path, the benchmark jar), 3 warm-up and 5 measured iterations of one
 * second each. After the table, when no NAME is given or one matches {@code EngineFootprint},
 * the memory each CPU engine costs is measured in a JVM of its own ({@link EngineFootprint}).
 */
public final class BenchRunner {
    private static final String PACKAGE = BenchRunner.class.getPackageName();

    private BenchRunner() {}

    /** Runs the selected benchmarks; returns a process exit status (0 ok, 1 a benchmark failed, 2 none matched). */
    public static int run(List<String> names, PrintStream out) {
        return run(names, out, defaults());
    }

    /** For tests: the same with other iteration settings. */
    static int run(List<String> names, PrintStream out, ChainedOptionsBuilder settings) {
        for (String name : names) {
            if (name.startsWith("-")) {
                out.println("bench: unknown option " + name + " (usage: bench [NAME...], NAME a regular expression)");
                return 2;
            }
        }
        boolean footprint;
        try {
            footprint = names.isEmpty() || names.stream().anyMatch(n -> Pattern.compile(n).matcher(EngineFootprint.NAME).find());
        } catch (PatternSyntaxException e) {
            out.println("bench: NAME is not a regular expression: " + e.getMessage());
            return 2;
        }
        List<String> includes = (names.isEmpty() ? List.of(".*") : names).stream()
            .map(p -> Pattern.quote(PACKAGE + ".") + ".*(?:" + p + ")").toList();
        OutputFormat silent = OutputFormatFactory.createFormatInstance(out, VerboseMode.SILENT);
        boolean timed = !BenchmarkList.defaultList().find(silent, includes, List.of()).isEmpty();
        if (!timed && !footprint) {
            out.println("bench: no benchmark matches " + names);
            return 2;
        }
        int status = timed ? runJmh(includes, out, settings) : 0;
        if (status == 0 && footprint) status = EngineFootprint.runForked(out);
        return status;
    }

    private static int runJmh(List<String> includes, PrintStream out, ChainedOptionsBuilder settings) {
        includes.forEach(settings::include);
        Collection<RunResult> results;
        try {
            results = new Runner(settings.build()).run();
        } catch (RunnerException e) {
            out.println("bench: failed: " + e + (e.getCause() != null ? " caused by " + e.getCause() : ""));
            return 1;
        }
        if (results.isEmpty()) {
            out.println("bench: no benchmark matches " + includes);
            return 2;
        }
        printTable(results, out);
        return 0;
    }

    static ChainedOptionsBuilder defaults() {
        return new OptionsBuilder()
            .forks(1)
            .jvmArgsAppend("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xss4m")
            .warmupIterations(3).warmupTime(TimeValue.seconds(1))
            .measurementIterations(5).measurementTime(TimeValue.seconds(1))
            .shouldFailOnError(true)
            .verbosity(VerboseMode.SILENT);
    }

    private static void printTable(Collection<RunResult> results, PrintStream out) {
        List<RunResult> sorted = new ArrayList<>(results);
        sorted.sort(Comparator.comparing(r -> r.getParams().getBenchmark()));
        out.printf("%-50s %-6s %10s %10s %10s %10s %9s  %s%n", "benchmark", "mode", "score", "p50", "p90", "p99", "samples", "unit");
        for (RunResult r : sorted) {
            Result<?> primary = r.getPrimaryResult();
            Statistics st = primary.getStatistics();
            String name = r.getParams().getBenchmark().substring(PACKAGE.length() + 1) + params(r);
            String mode = r.getParams().getMode().shortLabel();
            out.printf("%-50s %-6s %10s %10s %10s %10s %9d  %s%n", name, mode, fmt(primary.getScore()),
                fmt(st.getPercentile(50)), fmt(st.getPercentile(90)), fmt(st.getPercentile(99)), st.getN(), primary.getScoreUnit());
            // Secondary results are the benchmarks' own gauges (AuxCounters such as resident memory).
            r.getSecondaryResults().forEach((label, result) -> {
                // Sample-mode percentiles of the primary result ("p0.50", "·gc...") are not gauges.
                if (label.matches("p[01]\\.\\d+") || label.startsWith("\u00b7")) return;
                out.printf("  %-48s %-6s %10s %43s  %s%n", "+ " + label, "mean", fmt(result.getStatistics().getMean()), "", "per iteration");
            });
        }
    }

    /** "[era=LATEST]" for a benchmark with @Param values, else "". */
    private static String params(RunResult r) {
        var keys = r.getParams().getParamsKeys();
        if (keys.isEmpty()) return "";
        return keys.stream().map(k -> k + "=" + r.getParams().getParam(k)).collect(java.util.stream.Collectors.joining(",", "[", "]"));
    }

    private static String fmt(double v) {
        if (Double.isNaN(v)) return "-";
        if (v >= 100) return String.format("%.0f", v);
        if (v >= 1) return String.format("%.2f", v);
        return String.format("%.3f", v);
    }
}
