package dev.arenaemu.scenarios.cli;

import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.replay.Outcome;
import dev.arenaemu.scenarios.replay.Replayer;
import dev.arenaemu.scenarios.report.HumanReport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "replay", mixinStandardHelpOptions = true,
    description = "Replay scenario files (folders: every *.json below, skipping src/ and target/).")
final class ReplayCommand implements Callable<Integer> {
    @Option(names = "--trace", description = "Print each run's deterministic step trace.")
    boolean trace;

    @CommandLine.Mixin
    ScenarioSelection selection;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Era only = selection.only(spec);
        Replayer replayer = new Replayer(selection.limits(spec));
        Scenarios.Loaded loaded = selection.load(err);
        if (loaded == null || selection.selectsNothing(loaded, only, err)) return Main.BAD_INPUT;
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
        boolean written = selection.writeReports(outcomes, "arena-emu replay", err);
        return Scenarios.status(loaded, outcomes, written);
    }
}
