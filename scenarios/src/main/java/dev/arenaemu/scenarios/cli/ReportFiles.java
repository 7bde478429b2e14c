package dev.arenaemu.scenarios.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** --json FILE and --junit FILE: the reports replay, sweep, oracle and merge write besides their output. */
final class ReportFiles {
    @Option(names = "--json", paramLabel = "FILE", description = "Write the runs as a JSON report.")
    Path json;

    @Option(names = "--junit", paramLabel = "FILE", description = "Write the runs as a JUnit XML report (one testcase per run).")
    Path junit;
}
