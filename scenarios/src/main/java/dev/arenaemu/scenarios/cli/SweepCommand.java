package dev.arenaemu.scenarios.cli;

import dev.arenaemu.scenarios.replay.ClangCommand;
import dev.arenaemu.scenarios.replay.Outcome;
import dev.arenaemu.scenarios.replay.Replayer;
import dev.arenaemu.scenarios.report.HumanReport;
import dev.arenaemu.scenarios.shard.Shard;
import dev.arenaemu.scenarios.sweep.Sweep;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

@Command(name = "sweep", mixinStandardHelpOptions = true,
    description = "Fault-injection sweep: count the hits of every injection site, then fail each hit once (fail_nth).")
@StartsPrograms(ClangCommand.CLANG)   // scenarios with a C program compile it
final class SweepCommand implements Callable<Integer> {
    @Option(names = "--random", paramLabel = "N", description = "Also N seeded random runs per scenario (default ${DEFAULT-VALUE}).", defaultValue = "0")
    int random;

    @Option(names = "--seed", description = "Seed of the random runs (default ${DEFAULT-VALUE}).", defaultValue = "1")
    long seed;

    @Option(names = "--probability", paramLabel = "PERCENT", description = "Failure probability of random runs (default ${DEFAULT-VALUE}).", defaultValue = "10")
    int probability;

    @Option(names = "--verbose", description = "Print every run, not only the failing ones.")
    boolean verbose;

    @Option(names = "--jobs", paramLabel = "N", description = "Runs in parallel on N worker threads (default: the number of processors, here ${DEFAULT-VALUE}); "
        + "1 runs them one after another. The output is the same for any N, apart from timings.")
    int jobs = Runtime.getRuntime().availableProcessors();

    @CommandLine.Mixin
    ScenarioSelection selection;

    @Override
    public Integer call() throws Exception {
        CommandLine cl = selection.command.commandLine();
        PrintWriter out = cl.getOut();
        if (random < 0) throw new CommandLine.ParameterException(cl, "--random must not be negative");
        if (probability < 1 || probability > 100) throw new CommandLine.ParameterException(cl, "--probability must be 1..100");
        if (jobs < 1) throw new CommandLine.ParameterException(cl, "--jobs must be at least 1");
        ScenarioSelection.Selected selected = selection.select();
        if (selected == null) return Main.BAD_INPUT;
        Shard shard = selection.shard();
        PrintStream ps = new PrintStream(new WriterStream(out), true);
        Progress progress = new Progress(cl.getErr(), System.console() != null);
        Map<String, Sweep.SiteStats> table = new TreeMap<>();
        // Results arrive in the same order for any --jobs, so this prints what a one-job sweep prints.
        // Without a report file only the runs that did not pass are kept (and counted with the
        // others): a million-run sweep then holds its failures, not a million outcomes.
        boolean keepPassing = selection.writesReports();
        Sweep.Numbered numbered = new Sweep(() -> new Replayer(selected.limits()), jobs).sharded(shard).runNumbered(selected.runs(), new Sweep.Options(random, seed, probability), table, o -> {
            progress.tick(o);
            if (verbose || !o.passed()) {
                progress.clear();
                HumanReport.line(ps, o);
            }
        }, keepPassing);
        List<Outcome> kept = numbered.outcomes();
        progress.clear();
        out.println();
        out.printf("%-22s %10s %8s %8s %8s%n", "site", "hits", "runs", "passed", "failed");
        for (var e : table.entrySet()) {
            Sweep.SiteStats st = e.getValue();
            out.printf("%-22s %10s %8d %8d %8d%n", e.getKey(), e.getKey().startsWith("(") ? "-" : Long.toString(st.hits), st.runs, st.passed, st.runs - st.passed);
        }
        HumanReport.summary(ps, numbered.tally());
        boolean written = selection.writeReports(kept, numbered.seqs(), shard, "arena-emu sweep");
        return selected.status(kept, written);   // decided by the runs that did not pass, all of which are kept
    }

    /** A one-line progress bar on stderr, only when it is a terminal. */
    private static final class Progress {
        private final PrintWriter err;
        private final boolean tty;
        private int runs, failed;

        Progress(PrintWriter err, boolean tty) {
            this.err = err;
            this.tty = tty;
        }

        void tick(Outcome o) {
            runs++;
            if (!o.passed()) failed++;
            if (!tty) return;
            int width = 30, filled = runs % (width + 1);
            err.printf("\r[%s%s] %d runs, %d failed  %s\u001b[K", "#".repeat(filled), " ".repeat(width - filled), runs, failed, o.scenario() + " [" + o.era() + "]");
            err.flush();
        }

        void clear() {
            if (!tty) return;
            err.print("\r\u001b[K");
            err.flush();
        }
    }
}
