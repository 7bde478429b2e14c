package dev.arenaemu.scenarios.cli;

import dev.arenaemu.kernel.bpf.jit.ConformancePlugin;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The bpf_conformance plugin protocol (program as hex bytes on stdin or after --program, memory
 * hex as argument, R0 printed in hex), answered by the JIT running in Unicorn.
 */
@Command(name = "conformance-plugin", mixinStandardHelpOptions = true,
    description = "bpf_conformance plugin: reads the program (hex bytes) from stdin or --program HEX, the memory as MEMHEX, runs it JITed, prints R0 in hex.")
final class ConformancePluginCommand implements Callable<Integer> {
    /** Everything after the subcommand, in order: bpf_conformance's own options are not ours to parse. */
    @CommandLine.Unmatched
    List<String> args = new java.util.ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintStream out = new PrintStream(new WriterStream(spec.commandLine().getOut()), true);
        PrintStream err = new PrintStream(new WriterStream(spec.commandLine().getErr()), true);
        return ConformancePlugin.run(args.toArray(String[]::new), System.in, out, err);
    }
}
