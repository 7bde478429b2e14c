package dev.arenaemu.scenarios.cli;

import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/** The PATH arguments of replay, sweep and oracle: scenario files and folders ({@link ScenarioFiles} expands them). */
final class ScenarioPaths {
    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Scenario files or folders.")
    List<Path> paths;

    /** Reads every scenario under the paths ({@link Scenarios#load}); null if nothing could be read. */
    Scenarios.Loaded load(PrintWriter err) {
        return Scenarios.load(paths, err);
    }

    @Override
    public String toString() {
        return paths.toString();
    }
}
