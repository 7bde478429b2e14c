package dev.arenaemu.scenarios.cli;

import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.replay.Limits;
import dev.arenaemu.scenarios.replay.Outcome;
import dev.arenaemu.scenarios.report.JsonReport;
import dev.arenaemu.scenarios.report.JunitReport;
import dev.arenaemu.scenarios.shard.Shard;
import dev.arenaemu.scenarios.sweep.Sweep;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** What replay and sweep share: the scenario paths, the era filter, the per-scenario limits, the runs they select and the report files. */
final class ScenarioSelection {
    @Option(names = "--era", description = "Only this era (v6.9, v6.10 (v6.11 and v6.12 are aliases), v6.13, v7.0 or latest) or stable-build profile (v6.12-stable, v7.0-stable); default: every era a scenario lists.")
    String era;

    @CommandLine.Mixin
    ReportFiles reports;

    @Option(names = "--time-limit", paramLabel = "SECONDS",
        description = "Wall-clock limit of each scenario run (default ${DEFAULT-VALUE}); past it the run stops with status LIMIT.")
    long timeLimit = Limits.DEFAULT_WALL_CLOCK.toSeconds();

    @Option(names = "--process-limit", paramLabel = "N",
        description = "Processes alive at once in each scenario run (default ${DEFAULT-VALUE}); a fork past it stops the run with status LIMIT.")
    int processLimit = Limits.DEFAULT_PROCESSES;

    @Option(names = "--shard", paramLabel = "K/N", description = "Only the runs of shard K of N (split by a hash of each run's scenario, era and run name); "
        + "'arena-emu merge' combines the shards' reports into the unsharded run's.")
    String shard;

    @CommandLine.Mixin
    ScenarioPaths paths;

    /** The command this selection belongs to (replay or sweep). */
    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec command;

    /** The runs to do, under which limits: each scenario that read cleanly, in each era it lists, or only in --era's. */
    record Selected(Scenarios.Loaded loaded, Limits limits, List<Sweep.Target> runs) {
        /** The exit status once these runs gave {@code outcomes}. */
        int status(List<Outcome> outcomes, boolean reportsWritten) {
            return Scenarios.status(loaded, outcomes, reportsWritten);
        }
    }

    /**
     * The selected runs, or null after bad input was printed (scenarios that cannot be read, an
     * --era no scenario lists). An unknown era or a bad limit is a usage error (ParameterException).
     */
    Selected select() {
        Era only = Scenarios.era(era, command);
        Limits limits = limits();
        PrintWriter err = command.commandLine().getErr();
        Scenarios.Loaded loaded = paths.load(err);
        if (loaded == null || selectsNothing(loaded, only, err)) return null;
        List<Sweep.Target> runs = new ArrayList<>();
        for (Scenario s : loaded.scenarios()) {
            for (Era e : s.eras()) if (only == null || e == only) runs.add(new Sweep.Target(s, e));
        }
        return new Selected(loaded, limits, runs);
    }

    /** The --shard option (everything when absent); a malformed one is a usage error. */
    Shard shard() {
        if (shard == null) return Shard.ALL;
        try {
            return Shard.parse(shard);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(command.commandLine(), "--shard: " + e.getMessage());
        }
    }

    /** The per-scenario limits the options ask for. */
    private Limits limits() {
        if (timeLimit < 1) throw new CommandLine.ParameterException(command.commandLine(), "--time-limit must be at least 1 second");
        if (processLimit < 1) throw new CommandLine.ParameterException(command.commandLine(), "--process-limit must be at least 1");
        return new Limits(Duration.ofSeconds(timeLimit), processLimit);
    }

    /** Whether {@code --era} names an era no scenario read lists (then nothing would run: printed, bad input). */
    private boolean selectsNothing(Scenarios.Loaded loaded, Era only, PrintWriter err) {
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
    boolean writeReports(List<Outcome> outcomes, String suite) {
        PrintWriter err = command.commandLine().getErr();
        boolean ok = true;
        if (reports.json != null) ok &= write(reports.json, "JSON", err, () -> JsonReport.write(reports.json, outcomes));
        if (reports.junit != null) ok &= write(reports.junit, "JUnit", err, () -> JunitReport.write(reports.junit, suite, outcomes));
        err.flush();
        return ok;
    }

    /** The reports of a (possibly sharded) run: {@code seqs} are the outcomes' positions in the unsharded run. */
    boolean writeReports(List<Outcome> outcomes, List<Integer> seqs, Shard shard, String suite) {
        PrintWriter err = command.commandLine().getErr();
        boolean ok = true;
        if (reports.json != null) ok &= write(reports.json, "JSON", err, () -> JsonReport.write(reports.json, outcomes, seqs, shard));
        if (reports.junit != null) ok &= write(reports.junit, "JUnit", err, () -> JunitReport.write(reports.junit, suite, outcomes, seqs, shard));
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
