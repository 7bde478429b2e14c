package dev.arenaemu.scenarios.cli;

import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.format.ScenarioException;
import dev.arenaemu.scenarios.format.ScenarioReader;
import dev.arenaemu.scenarios.replay.Outcome;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What replay and sweep share: reading the PATH arguments and turning results into an exit status. */
final class Scenarios {
    private Scenarios() {}

    /**
     * The scenarios that read cleanly, how many files did not, and how many the reader itself
     * failed on (an internal error: one file's crash must not lose the other files' runs).
     */
    record Loaded(List<Scenario> scenarios, int badFiles, int internalErrors) {}

    /** Reads every scenario, printing each error (with its file:line:column); null if nothing could be read. */
    static Loaded load(List<Path> paths, PrintWriter err) {
        return load(paths, err, false);
    }

    /** As {@link #load(List, PrintWriter)}; {@code noneIsFine}: no scenario file is an empty set (oracle --jit also reads *.bpf.c). */
    static Loaded load(List<Path> paths, PrintWriter err, boolean noneIsFine) {
        List<Path> files;
        try {
            files = ScenarioFiles.collect(paths);
        } catch (IOException e) {
            err.println("arena-emu: " + e.getMessage());
            return null;
        }
        if (files.isEmpty() && !noneIsFine) {
            err.println("arena-emu: no scenario files (*.json) under " + paths);
            return null;
        }
        List<Scenario> ok = new ArrayList<>();
        int bad = 0, internal = 0;
        for (Path f : files) {
            try {
                ok.add(ScenarioReader.read(f));
            } catch (ScenarioException e) {
                err.println("error: " + e.getMessage());
                bad++;
            } catch (RuntimeException | StackOverflowError e) {
                err.println("arena-emu: internal error while reading " + f + " (a bug of arena-emu, please report it with this trace):");
                e.printStackTrace(err);
                internal++;
            }
        }
        err.flush();
        return new Loaded(ok, bad, internal);
    }

    static Era era(String label, CommandLine.Model.CommandSpec spec) {
        if (label == null) return null;
        Era e = Era.byLabel(label);
        if (e == null) throw new CommandLine.ParameterException(spec.commandLine(), "unknown era '" + label + "' (known: " + Era.KNOWN + ")");
        return e;
    }

    /**
     * 3 if arena-emu failed internally; else 2 if any input was bad, a run could not execute or
     * went past its limits, or a report could not be written; else 1 if any run failed; else 0.
     */
    static int status(Loaded loaded, List<Outcome> outcomes, boolean reportsWritten) {
        if (loaded.internalErrors() > 0 || outcomes.stream().anyMatch(o -> o.status() == Outcome.Status.INTERNAL)) return Main.INTERNAL_ERROR;
        if (loaded.badFiles() > 0 || !reportsWritten
            || outcomes.stream().anyMatch(o -> o.status() == Outcome.Status.ERROR || o.status() == Outcome.Status.LIMIT)) return Main.BAD_INPUT;
        if (outcomes.stream().anyMatch(o -> !o.passed())) return Main.FAILED;
        return Main.PASS;
    }
}
