package dev.arenaemu.scenarios.cli;

import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.replay.Limits;
import dev.arenaemu.scenarios.replay.Outcome;
import dev.arenaemu.scenarios.report.JsonReport;
import dev.arenaemu.scenarios.report.JunitReport;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** What replay and sweep share: the scenario paths, the era filter, the per-scenario limits and the report files. */
final class ScenarioSelection {
    @Option(names = "--era", description = "Only this era (v6.13, v7.0 or latest); default: every era a scenario lists.")
    String era;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write a JSON report.")
    Path json;

    @Option(names = "--junit", paramLabel = "FILE", description = "Also write a JUnit XML report (one testcase per run).")
    Path junit;

    @Option(names = "--time-limit", paramLabel = "SECONDS",
        description = "Wall-clock limit of each scenario run (default ${DEFAULT-VALUE}); past it the run stops with status LIMIT.")
    long timeLimit = Limits.DEFAULT_WALL_CLOCK.toSeconds();

    @Option(names = "--process-limit", paramLabel = "N",
        description = "Processes alive at once in each scenario run (default ${DEFAULT-VALUE}); a fork past it stops the run with status LIMIT.")
    int processLimit = Limits.DEFAULT_PROCESSES;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Scenario files or folders.")
    List<Path> paths;

    /** The era filter, or null for every era a scenario lists. */
    Era only(CommandLine.Model.CommandSpec spec) {
        return Scenarios.era(era, spec);
    }

    /** The per-scenario limits the options ask for. */
    Limits limits(CommandLine.Model.CommandSpec spec) {
        if (timeLimit < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--time-limit must be at least 1 second");
        if (processLimit < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--process-limit must be at least 1");
        return new Limits(Duration.ofSeconds(timeLimit), processLimit);
    }

    /** The scenarios under {@link #paths}, or null after the errors were printed (bad input). */
    Scenarios.Loaded load(PrintWriter err) {
        return Scenarios.load(paths, err);
    }

    /** Whether {@code --era} names an era no scenario read lists (then nothing would run: printed, bad input). */
    boolean selectsNothing(Scenarios.Loaded loaded, Era only, PrintWriter err) {
        if (only == null || loaded.scenarios().stream().map(Scenario::eras).anyMatch(e -> e.contains(only))) return false;
        err.println("arena-emu: --era " + only.label + " selects nothing: no scenario read from " + paths + " lists that era");
        err.flush();
        return true;
    }

    /**
     * Writes the requested reports; one that cannot be written (a missing folder, a directory
     * in its place) is an error naming the file, and the other one is still written.
     * Returns whether every report was written.
     */
    boolean writeReports(List<Outcome> outcomes, String suite, PrintWriter err) {
        boolean ok = true;
        if (json != null) ok &= write(json, "JSON", err, () -> JsonReport.write(json, outcomes));
        if (junit != null) ok &= write(junit, "JUnit", err, () -> JunitReport.write(junit, suite, outcomes));
        err.flush();
        return ok;
    }

    private interface Writer {
        void write() throws IOException;
    }

    private static boolean write(Path file, String kind, PrintWriter err, Writer writer) {
        Path parent = file.toAbsolutePath().getParent();
        String why = null;
        if (Files.isDirectory(file)) why = "it is a directory";
        else if (parent != null && Files.exists(parent) && !Files.isDirectory(parent)) why = parent + " is not a folder";
        else if (parent != null && !Files.isDirectory(parent)) why = "the folder " + parent + " does not exist";
        if (why == null) {
            try {
                writer.write();
                return true;
            } catch (IOException e) {
                why = e.getMessage() == null ? e.toString() : e.getMessage();
            }
        }
        err.println("arena-emu: cannot write the " + kind + " report " + file + ": " + why);
        return false;
    }
}
