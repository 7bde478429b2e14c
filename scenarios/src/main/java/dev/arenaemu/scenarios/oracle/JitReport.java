package dev.arenaemu.scenarios.oracle;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** {@code oracle --jit}'s output: a line per program and kernel, the counts per kernel, JSON and JUnit XML. */
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

    /** Every kernel and program: its kind, and for a compared one each image's first difference ("identical" when none). */
    public static void json(Path file, List<JitOracleRun.KernelResult> kernels) throws IOException {
        ReportFormats.json(file, kernels.stream().map(JitReport::jsonKernel).toList());
    }

    private static Map<String, Object> jsonKernel(JitOracleRun.KernelResult k) {
        Map<String, Object> km = ReportFormats.kernelEntry(k.kernel(), k.version(), k.millis(), k.errors());
        km.put("programs", k.programs().stream().map(JitReport::jsonProgram).toList());
        return km;
    }

    private static Map<String, Object> jsonProgram(JitOracleRun.ProgramResult p) {
        Map<String, Object> pm = new java.util.LinkedHashMap<>();
        pm.put("program", p.program());
        pm.put("kind", p.kind().name().toLowerCase(java.util.Locale.ROOT));
        if (p.result() != null) {
            pm.put("xlated", p.result().xlatedIdentical() ? "identical" : p.result().xlatedDiff());
            pm.put("jited", p.result().jitedIdentical() ? "identical" : p.result().jitedDiff());
        }
        if (p.note() != null) pm.put("note", p.note());
        return pm;
    }

    /** One testsuite per kernel, one testcase per program: failure when an image or the load differs, error when the kernel side stopped. */
    public static void junit(Path file, List<JitOracleRun.KernelResult> kernels) throws IOException {
        ReportFormats.junit(file, "arena-emu oracle --jit", kernels.stream().map(k -> new ReportFormats.Suite("jit " + k.kernel().release(),
            "jit." + k.kernel().release(), k.millis(), k.programs().stream().map(JitReport::junitCase).toList())).toList());
    }

    private static ReportFormats.Case junitCase(JitOracleRun.ProgramResult p) {
        String failure = switch (p.kind()) {
            case COMPARED -> p.result().xlatedIdentical() && p.result().jitedIdentical() ? null
                : (p.result().xlatedIdentical() ? "" : "xlated " + p.result().xlatedDiff() + "\n") + (p.result().jitedIdentical() ? "" : "jited " + p.result().jitedDiff());
            case LOAD_DIFFERS -> p.note();
            default -> null;
        };
        return new ReportFormats.Case(p.program(), p.kind() == JitOracleRun.Kind.ERROR ? p.note() : null, "differs", failure);
    }
}
