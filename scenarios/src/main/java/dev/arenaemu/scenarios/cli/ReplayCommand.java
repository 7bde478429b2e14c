package dev.arenaemu.scenarios.cli;

import dev.arenaemu.scenarios.replay.ClangCommand;
import dev.arenaemu.scenarios.replay.Outcome;
import dev.arenaemu.scenarios.replay.Replayer;
import dev.arenaemu.scenarios.report.HumanReport;
import dev.arenaemu.scenarios.sweep.Sweep;
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
@StartsPrograms(ClangCommand.CLANG)   // scenarios with a C program compile it
final class ReplayCommand implements Callable<Integer> {
    @Option(names = "--trace", description = "Print each run's deterministic step trace.")
    boolean trace;

    @CommandLine.Mixin
    ScenarioSelection selection;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = selection.command.commandLine().getOut();
        ScenarioSelection.Selected selected = selection.select();
        if (selected == null) return Main.BAD_INPUT;
        Replayer replayer = new Replayer(selected.limits());
        PrintStream ps = new PrintStream(new WriterStream(out), true);
        List<Outcome> outcomes = new ArrayList<>();
        for (Sweep.Target run : selected.runs()) {
            Outcome o = replayer.run(run.scenario(), run.era(), List.of(), "replay");
            outcomes.add(o);
            HumanReport.line(ps, o);
            if (trace) for (String line : o.trace()) out.println("      " + line);
            out.flush();
        }
        HumanReport.summary(ps, outcomes);
        boolean written = selection.writeReports(outcomes, "arena-emu replay");
        return selected.status(outcomes, written);
    }
}
