package dev.arenaemu.scenarios.cli;

import dev.arenaemu.scenarios.report.ReportMerge;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code arena-emu merge}: the shards' reports of one replay or sweep ({@code --shard K/N}) into
 * the report the unsharded run writes. Inputs ending in .xml are JUnit reports, the others JSON
 * reports. Exit status as for the run itself: 0 every run passed, 1 a run failed, 2 a run could
 * not execute (bad input, a limit) or the reports do not add up to one run, 3 a run hit an
 * internal error (known from a JSON report; JUnit counts it as an error).
 */
@Command(name = "merge", mixinStandardHelpOptions = true,
    description = "Merge the JSON and/or JUnit reports of the shards (--shard K/N) of one replay or sweep into the unsharded run's report.")
final class MergeCommand implements Callable<Integer> {
    @CommandLine.Mixin
    ReportFiles reports;

    @Parameters(arity = "1..*", paramLabel = "REPORT", description = "The shards' reports: *.xml are JUnit, the others JSON.")
    List<Path> inputs;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if (reports.json == null && reports.junit == null) throw new CommandLine.ParameterException(spec.commandLine(), "give --json FILE and/or --junit FILE");
        List<Path> xml = new ArrayList<>(), js = new ArrayList<>();
        for (Path p : inputs) (p.toString().endsWith(".xml") ? xml : js).add(p);
        if (reports.json != null && js.isEmpty()) throw new CommandLine.ParameterException(spec.commandLine(), "--json needs JSON reports among the inputs");
        if (reports.junit != null && xml.isEmpty()) throw new CommandLine.ParameterException(spec.commandLine(), "--junit needs JUnit reports (*.xml) among the inputs");
        ReportMerge.Totals totals = null;
        try {
            if (reports.json != null) totals = report(out, "JSON", reports.json, ReportMerge.json(js, reports.json));
            if (reports.junit != null) {
                ReportMerge.Totals t = report(out, "JUnit", reports.junit, ReportMerge.junit(xml, reports.junit));
                if (totals != null && (totals.runs() != t.runs() || totals.failed() != t.failed() || totals.errors() + totals.internal() != t.errors())) {
                    err.println("arena-emu: the JSON and JUnit reports disagree: " + totals + " vs " + t);
                    return Main.BAD_INPUT;
                }
                if (totals == null) totals = t;
            }
        } catch (ReportMerge.MergeException e) {
            err.println("arena-emu: merge: " + e.getMessage());
            return Main.BAD_INPUT;
        }
        return totals.internal() > 0 ? Main.INTERNAL_ERROR : totals.errors() > 0 ? Main.BAD_INPUT : totals.failed() > 0 ? Main.FAILED : Main.PASS;
    }

    private static ReportMerge.Totals report(PrintWriter out, String kind, Path file, ReportMerge.Totals t) {
        out.printf("%s report %s: %d run(s): %d passed, %d failed, %d errors%n", kind, file, t.runs(), t.runs() - t.failed() - t.errors() - t.internal(),
            t.failed(), t.errors() + t.internal());
        return t;
    }
}
