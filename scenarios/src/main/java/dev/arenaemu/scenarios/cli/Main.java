package dev.arenaemu.scenarios.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * arena-emu's command line. Exit status: 0 every run passed, 1 a scenario failed, 2 bad input or
 * usage (unreadable scenario, unknown option, a scenario past its limits, a report that cannot be
 * written), 3 an internal error (a bug of arena-emu; its stack trace is printed and kept in the
 * JSON report). main() never lets an exception reach the JVM.
 */
@Command(name = "arena-emu", mixinStandardHelpOptions = true, version = "arena-emu 0.1.0",
    description = "Replay BPF arena scenarios on an emulated x86-64 machine.",
    subcommands = {ReplayCommand.class, SweepCommand.class, MergeCommand.class, ConformancePluginCommand.class, JitCommand.class, ErasCommand.class,
        OracleCommand.class})
public final class Main implements Runnable {
    public static final int PASS = 0, FAILED = 1, BAD_INPUT = 2, INTERNAL_ERROR = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand");
    }

    public static void main(String[] args) {
        int status;
        try {
            status = run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        } catch (Throwable t) {
            System.err.println("arena-emu: internal error: " + t);
            t.printStackTrace();
            status = INTERNAL_ERROR;
        }
        System.exit(status);
    }

    /** Runs the command line with the given streams and returns the exit status (tests call this). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            err.println("arena-emu: internal error (a bug of arena-emu, please report it with this trace):");
            ex.printStackTrace(err);
            return INTERNAL_ERROR;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("arena-emu: " + ex.getMessage());
            ex.getCommandLine().usage(err);
            return BAD_INPUT;
        });
        int status = cl.execute(args);
        out.flush();
        err.flush();
        return status;
    }
}
