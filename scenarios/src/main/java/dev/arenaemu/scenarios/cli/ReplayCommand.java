package dev.arenaemu.scenarios.cli;

import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.replay.Outcome;
import dev.arenaemu.scenarios.replay.Replayer;
import dev.arenaemu.scenarios.report.HumanReport;
import dev.arenaemu.scenarios.report.JsonReport;
import dev.arenaemu.scenarios.report.JunitReport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "replay", mixinStandardHelpOptions = true,
    description = "Replay scenario files (folders: every *.json below, skipping src/ and target/).")
final class ReplayCommand implements Callable<Integer> {
    @Option(names = "--era", description = "Replay only in this era (v6.13, v7.0 or latest); default: every era a scenario lists.")
    String era;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write a JSON report.")
    Path json;

    @Option(names = "--junit", paramLabel = "FILE", description = "Also write a JUnit XML report.")
    Path junit;

    @Option(names = "--trace", description = "Print each run's deterministic step trace.")
    boolean trace;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Scenario files or folders.")
    List<Path> paths;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Era only = Scenarios.era(era, spec);
        Scenarios.Loaded loaded = Scenarios.load(paths, err);
        if (loaded == null) return Main.BAD_INPUT;
        Replayer replayer = new Replayer();
        List<Outcome> outcomes = new ArrayList<>();
        for (Scenario s : loaded.scenarios()) {
            for (Era e : s.eras()) {
                if (only != null && e != only) continue;
                Outcome o = replayer.run(s, e, List.of(), "replay");
                outcomes.add(o);
                PrintStream ps = new PrintStream(new WriterStream(out), true);
                HumanReport.line(ps, o);
                if (trace) for (String line : o.trace()) out.println("      " + line);
                out.flush();
            }
        }
        HumanReport.summary(new PrintStream(new WriterStream(out), true), outcomes);
        if (json != null) JsonReport.write(json, outcomes);
        if (junit != null) JunitReport.write(junit, "arena-emu replay", outcomes);
        return Scenarios.status(loaded, outcomes);
    }
}
