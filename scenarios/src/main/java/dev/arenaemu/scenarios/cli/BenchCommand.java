package dev.arenaemu.scenarios.cli;

import dev.arenaemu.scenarios.bench.BenchRunner;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Run the JMH benchmarks (fault round trip, arena alloc/free, user fault-in, JIT, replay, sweep, cold start); NAME is a regular expression.")
final class BenchCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "NAME", description = "Benchmark name patterns; none: all.")
    List<String> names = List.of();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        return BenchRunner.run(names, new PrintStream(new WriterStream(spec.commandLine().getOut()), true));
    }
}
