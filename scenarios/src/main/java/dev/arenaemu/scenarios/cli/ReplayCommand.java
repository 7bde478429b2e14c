package dev.arenaemu.scenarios.cli;

import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.replay.ClangCommand;
import dev.arenaemu.scenarios.html.PageMapHtml;
import dev.arenaemu.scenarios.html.PageMapRecorder;
import dev.arenaemu.scenarios.replay.Outcome;
import dev.arenaemu.scenarios.replay.Replayer;
import dev.arenaemu.scenarios.report.HumanReport;
import dev.arenaemu.scenarios.shard.Shard;
import dev.arenaemu.scenarios.sweep.Sweep;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "replay", mixinStandardHelpOptions = true,
    description = "Replay scenario files (folders: every *.json below, skipping src/ and target/).")
@StartsPrograms(ClangCommand.CLANG)   // scenarios with a C program compile it
final class ReplayCommand implements Callable<Integer> {
    @Option(names = "--trace", description = "Print each run's deterministic step trace.")
    boolean trace;

    @Option(names = "--html", paramLabel = "DIR", description = "Also write a visual page map per scenario into DIR (one self-contained HTML file each, every era it replayed).")
    Path html;

    @CommandLine.Mixin
    ScenarioSelection selection;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = selection.command.commandLine().getOut();
        Shard shard = selection.shard();
        ScenarioSelection.Selected selected = selection.select();
        if (selected == null) return Main.BAD_INPUT;
        Replayer replayer = new Replayer(selected.limits());
        PrintStream ps = new PrintStream(new WriterStream(out), true);
        List<Outcome> outcomes = new ArrayList<>();
        List<Integer> seqs = new ArrayList<>();
        if (html != null) Files.createDirectories(html);
        Set<String> htmlNames = new HashSet<>();
        // Runs come scenario by scenario; a scenario's page map is written once its last era ran.
        Scenario current = null;
        PageMapRecorder recorder = null;
        List<Sweep.Target> runs = selected.runs();
        for (int seq = 0; seq < runs.size(); seq++) {
            Sweep.Target run = runs.get(seq);
            if (run.scenario() != current) {
                writePageMap(current, recorder, htmlNames);
                current = run.scenario();
                recorder = html == null ? null : new PageMapRecorder();
            }
            if (!shard.owns(Shard.id(run.scenario().name(), run.era().label, "replay"))) continue;
            Outcome o = (recorder == null ? replayer : replayer.observedBy(recorder)).run(run.scenario(), run.era(), List.of(), "replay");
            outcomes.add(o);
            seqs.add(seq);
            HumanReport.line(ps, o);
            if (trace) for (String line : o.trace()) out.println("      " + line);
            out.flush();
        }
        writePageMap(current, recorder, htmlNames);
        HumanReport.summary(ps, outcomes);
        boolean written = selection.writeReports(outcomes, seqs, shard, "arena-emu replay");
        return selected.status(outcomes, written);
    }

    private void writePageMap(Scenario s, PageMapRecorder recorder, Set<String> names) throws IOException {
        if (s != null && recorder != null && !recorder.runs().isEmpty()) PageMapHtml.write(html.resolve(PageMapHtml.fileName(s, names)), s, recorder.runs());
    }
}
