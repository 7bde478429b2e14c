package dev.arenaemu.benchmarks;

import dev.arenaemu.scenarios.cli.StartsPrograms;
import dev.arenaemu.scenarios.replay.ClangCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code ./arena-emu bench [NAME...]}, the main class of the benchmark jar. The benchmarks are not
 * part of the shipped arena-emu.jar, so this is a command of its own rather than a subcommand of
 * the CLI; the launcher dispatches {@code bench} here. Exit status as the CLI's: 0 ran, 1 a
 * benchmark failed, 2 usage (an unknown option, a NAME that matches nothing).
 */
@Command(name = "arena-emu bench", mixinStandardHelpOptions = true,
    description = "Run the JMH benchmarks (fault round trip, arena alloc/free, user fault-in, JIT, replay, sweep, cold start), then measure the memory per CPU engine (EngineFootprint); NAME is a regular expression.")
@StartsPrograms(ClangCommand.CLANG)   // ReplayBench and SweepBench replay the corpus, whose C programs clang compiles
public final class BenchCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "NAME", description = "Benchmark name patterns; none: all.")
    List<String> names = List.of();

    @Override
    public Integer call() {
        return BenchRunner.run(names, new PrintStream(System.out, true));
    }

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new BenchCommand());
        cl.setParameterExceptionHandler((ex, a) -> {
            System.err.println("arena-emu bench: " + ex.getMessage());
            ex.getCommandLine().usage(System.err);
            return 2;
        });
        System.exit(cl.execute(args));
    }
}
