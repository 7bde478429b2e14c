package dev.arenaemu.scenarios.oracle;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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

    /** Every kernel and program: its kind, and for a compared one each image's first difference (null: identical). */
    public static void json(Path file, List<JitOracleRun.KernelResult> kernels) throws IOException {
        List<Object> ks = new ArrayList<>();
        for (JitOracleRun.KernelResult k : kernels) {
            Map<String, Object> km = new LinkedHashMap<>();
            km.put("kernel", k.kernel().spec());
            km.put("build", k.kernel().release());
            km.put("era", k.kernel().era().label);
            km.put("millis", k.millis());
            km.put("errors", k.errors());
            List<Object> ps = new ArrayList<>();
            for (JitOracleRun.ProgramResult p : k.programs()) {
                Map<String, Object> pm = new LinkedHashMap<>();
                pm.put("program", p.program());
                pm.put("kind", p.kind().name().toLowerCase(java.util.Locale.ROOT));
                if (p.result() != null) {
                    pm.put("xlated", p.result().xlatedIdentical() ? "identical" : p.result().xlatedDiff());
                    pm.put("jited", p.result().jitedIdentical() ? "identical" : p.result().jitedDiff());
                }
                if (p.note() != null) pm.put("note", p.note());
                ps.add(pm);
            }
            km.put("programs", ps);
            ks.add(km);
        }
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), Map.of("kernels", ks));
    }

    /** One testsuite per kernel, one testcase per program: failure when an image or the load differs, error when the kernel side stopped. */
    public static void junit(Path file, List<JitOracleRun.KernelResult> kernels) throws IOException {
        StringBuilder x = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"arena-emu oracle --jit\">\n");
        for (JitOracleRun.KernelResult k : kernels) {
            int failures = 0, errors = 0;
            StringBuilder cases = new StringBuilder();
            for (JitOracleRun.ProgramResult p : k.programs()) {
                cases.append("    <testcase classname=\"jit.").append(OracleReport.esc(k.kernel().release())).append("\" name=\"")
                    .append(OracleReport.esc(p.program())).append("\">\n");
                String failure = switch (p.kind()) {
                    case COMPARED -> p.result().xlatedIdentical() && p.result().jitedIdentical() ? null
                        : (p.result().xlatedIdentical() ? "" : "xlated " + p.result().xlatedDiff() + "\n") + (p.result().jitedIdentical() ? "" : "jited " + p.result().jitedDiff());
                    case LOAD_DIFFERS -> p.note();
                    default -> null;
                };
                if (p.kind() == JitOracleRun.Kind.ERROR) {
                    errors++;
                    cases.append("      <error message=\"kernel side stopped\">").append(OracleReport.esc(p.note())).append("</error>\n");
                } else if (failure != null) {
                    failures++;
                    cases.append("      <failure message=\"differs\">").append(OracleReport.esc(failure)).append("</failure>\n");
                }
                cases.append("    </testcase>\n");
            }
            x.append("  <testsuite name=\"jit ").append(OracleReport.esc(k.kernel().release())).append("\" tests=\"").append(k.programs().size())
                .append("\" failures=\"").append(failures).append("\" errors=\"").append(errors).append("\" time=\"").append(k.millis() / 1000.0)
                .append("\">\n").append(cases).append("  </testsuite>\n");
        }
        x.append("</testsuites>\n");
        Files.writeString(file, x);
    }
}
