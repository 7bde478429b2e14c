package dev.arenaemu.scenarios.cli;

import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.replay.Outcome;
import dev.arenaemu.scenarios.replay.Replayer;
import dev.arenaemu.scenarios.report.HumanReport;
import dev.arenaemu.scenarios.shard.Shard;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import dev.arenaemu.scenarios.html.PageMapHtml;
import dev.arenaemu.scenarios.html.PageMapRecorder;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "replay", mixinStandardHelpOptions = true,
    description = "Replay scenario files (folders: every *.json below, skipping src/ and target/).")
final class ReplayCommand implements Callable<Integer> {
    @Option(names = "--trace", description = "Print each run's deterministic step trace.")
    boolean trace;

    @Option(names = "--html", paramLabel = "DIR", description = "Also write a visual page map per scenario into DIR (one self-contained HTML file each, every era it replayed).")
    Path html;

    @CommandLine.Mixin
    ScenarioSelection selection;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Era only = selection.only(spec);
        Shard shard = selection.shard(spec);
        Replayer replayer = new Replayer(selection.limits(spec));
        Scenarios.Loaded loaded = selection.load(err);
        if (loaded == null || selection.selectsNothing(loaded, only, err)) return Main.BAD_INPUT;
        List<Outcome> outcomes = new ArrayList<>();
        List<Integer> seqs = new ArrayList<>();
        int seq = 0;
        if (html != null) Files.createDirectories(html);
        Set<String> htmlNames = new HashSet<>();
        for (Scenario s : loaded.scenarios()) {
            PageMapRecorder recorder = html == null ? null : new PageMapRecorder();
            for (Era e : s.eras()) {
                if (only != null && e != only) continue;
                int mine = seq++;
                if (!shard.owns(Shard.id(s.name(), e.label, "replay"))) continue;
                Outcome o = (recorder == null ? replayer : replayer.observedBy(recorder)).run(s, e, List.of(), "replay");
                outcomes.add(o);
                seqs.add(mine);
                PrintStream ps = new PrintStream(new WriterStream(out), true);
                HumanReport.line(ps, o);
                if (trace) for (String line : o.trace()) out.println("      " + line);
                out.flush();
            }
            if (recorder != null && !recorder.runs().isEmpty()) PageMapHtml.write(html.resolve(PageMapHtml.fileName(s, htmlNames)), s, recorder.runs());
        }
        HumanReport.summary(new PrintStream(new WriterStream(out), true), outcomes);
        boolean written = selection.writeReports(outcomes, seqs, shard, "arena-emu replay", err);
        return Scenarios.status(loaded, outcomes, written);
    }
}
