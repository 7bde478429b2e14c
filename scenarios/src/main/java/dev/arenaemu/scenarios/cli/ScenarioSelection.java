package dev.arenaemu.scenarios.cli;

import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.replay.Outcome;
import dev.arenaemu.scenarios.report.JsonReport;
import dev.arenaemu.scenarios.report.JunitReport;
import dev.arenaemu.scenarios.shard.Shard;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/** What replay and sweep share: the scenario paths, the era filter and the report files. */
final class ScenarioSelection {
    @Option(names = "--era", description = "Only this era (v6.13, v7.0 or latest); default: every era a scenario lists.")
    String era;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write a JSON report.")
    Path json;

    @Option(names = "--junit", paramLabel = "FILE", description = "Also write a JUnit XML report (one testcase per run).")
    Path junit;

    @Option(names = "--shard", paramLabel = "K/N", description = "Only the runs of shard K of N (split by a hash of each run's scenario, era and run name); "
        + "'arena-emu merge' combines the shards' reports into the unsharded run's.")
    String shard;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Scenario files or folders.")
    List<Path> paths;

    /** The era filter, or null for every era a scenario lists. */
    Era only(CommandLine.Model.CommandSpec spec) {
        return Scenarios.era(era, spec);
    }

    /** The scenarios under {@link #paths}, or null after the errors were printed (bad input). */
    Scenarios.Loaded load(PrintWriter err) {
        return Scenarios.load(paths, err);
    }

    void writeReports(List<Outcome> outcomes, String suite) throws IOException {
        if (json != null) JsonReport.write(json, outcomes);
        if (junit != null) JunitReport.write(junit, suite, outcomes);
    }

    /** The --shard option (everything when absent). */
    Shard shard(CommandLine.Model.CommandSpec spec) {
        if (shard == null) return Shard.ALL;
        try {
            return Shard.parse(shard);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--shard: " + e.getMessage());
        }
    }

    /** The reports of a (possibly sharded) run: {@code seqs} are the outcomes' positions in the unsharded run. */
    void writeReports(List<Outcome> outcomes, List<Integer> seqs, Shard shard, String suite) throws IOException {
        if (json != null) JsonReport.write(json, outcomes, seqs, shard);
        if (junit != null) JunitReport.write(junit, suite, outcomes, seqs, shard);
    }
}
