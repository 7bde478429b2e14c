package dev.arenaemu.scenarios.cli;

import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.replay.Outcome;
import dev.arenaemu.scenarios.report.JsonReport;
import dev.arenaemu.scenarios.report.JunitReport;
import dev.arenaemu.scenarios.sweep.Sweep;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What replay and sweep share: the scenario paths, the era filter, the runs they select and the report files. */
final class ScenarioSelection {
    @Option(names = "--era", description = "Only this era (v6.13, v7.0 or latest); default: every era a scenario lists.")
    String era;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write a JSON report.")
    Path json;

    @Option(names = "--junit", paramLabel = "FILE", description = "Also write a JUnit XML report (one testcase per run).")
    Path junit;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Scenario files or folders.")
    List<Path> paths;

    /** The command this selection belongs to (replay or sweep). */
    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec command;

    /** The runs to do: each scenario that read cleanly, in each era it lists, or only in --era's. */
    record Selected(Scenarios.Loaded loaded, List<Sweep.Target> runs) {
        /** The exit status once these runs gave {@code outcomes}. */
        int status(List<Outcome> outcomes) {
            return Scenarios.status(loaded, outcomes);
        }
    }

    /** The selected runs, or null after the scenarios' reading errors were printed (bad input). */
    Selected select() {
        Era only = Scenarios.era(era, command);
        Scenarios.Loaded loaded = Scenarios.load(paths, command.commandLine().getErr());
        if (loaded == null) return null;
        List<Sweep.Target> runs = new ArrayList<>();
        for (Scenario s : loaded.scenarios()) {
            for (Era e : s.eras()) if (only == null || e == only) runs.add(new Sweep.Target(s, e));
        }
        return new Selected(loaded, runs);
    }

    void writeReports(List<Outcome> outcomes, String suite) throws IOException {
        if (json != null) JsonReport.write(json, outcomes);
        if (junit != null) JunitReport.write(junit, suite, outcomes);
    }
}
