package dev.arenaemu.scenarios.oracle;

import java.io.PrintWriter;
import java.util.List;

/** {@code oracle --jit}'s output: a line per program and kernel, then the counts per kernel. */
public final class JitReport {
    private JitReport() {}

    public static void line(PrintWriter out, JitOracleRun.ProgramResult r) {
        switch (r.kind()) {
            case COMPARED -> {
                var c = r.result();
                out.println("  " + r.program() + ": xlated " + (c.xlatedIdentical() ? "identical" : "differs") + ", jited "
                    + (c.jitedIdentical() ? "identical" : "differs"));
                if (!c.xlatedIdentical()) out.println("      xlated " + c.xlatedDiff());
                if (!c.jitedIdentical()) out.println("      jited  " + c.jitedDiff());
            }
            case BOTH_REFUSE -> out.println("  " + r.program() + ": refused by both: " + r.note());
            case LOAD_DIFFERS -> out.println("  " + r.program() + ": load differs: " + r.note());
            case NOT_OBSERVABLE -> out.println("  " + r.program() + ": not observable: " + r.note());
            case ERROR -> out.println("  " + r.program() + ": error: " + r.note());
        }
        out.flush();
    }

    /** Per kernel: programs, compared (both loaded), xlated and jited identical, refused by both, load differs, not observable, errors. */
    public static void table(PrintWriter out, List<JitOracleRun.KernelResult> results) {
        out.println();
        out.println("| kernel | build | era | programs | compared | xlated identical | jited identical | refused by both | load differs | not observable | errors | boots | time |");
        out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (JitOracleRun.KernelResult k : results) {
            long compared = count(k, JitOracleRun.Kind.COMPARED);
            long xl = k.programs().stream().filter(p -> p.kind() == JitOracleRun.Kind.COMPARED && p.result().xlatedIdentical()).count();
            long jt = k.programs().stream().filter(p -> p.kind() == JitOracleRun.Kind.COMPARED && p.result().jitedIdentical()).count();
            out.printf("| %d.%d | %s | %s | %d | %d | %d | %d | %d | %d | %d | %d | %d | %.1f s |%n", k.kernel().major(), k.kernel().minor(), k.kernel().release(),
                k.kernel().era(), k.programs().size(), compared, xl, jt, count(k, JitOracleRun.Kind.BOTH_REFUSE), count(k, JitOracleRun.Kind.LOAD_DIFFERS),
                count(k, JitOracleRun.Kind.NOT_OBSERVABLE), count(k, JitOracleRun.Kind.ERROR) + k.errors().size(), k.boots(), k.millis() / 1000.0);
        }
        out.flush();
    }

    private static long count(JitOracleRun.KernelResult k, JitOracleRun.Kind kind) {
        return k.programs().stream().filter(p -> p.kind() == kind).count();
    }
}
