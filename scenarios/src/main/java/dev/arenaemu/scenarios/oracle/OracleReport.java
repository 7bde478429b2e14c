package dev.arenaemu.scenarios.oracle;

import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.format.Step;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The oracle's reports: a line per scenario, the agreement table per kernel, JSON and JUnit XML. */
public final class OracleReport {
    private OracleReport() {}

    /** Step counts of a set of verdicts. */
    public record Counts(int agree, int disagree, int notObservable, int errors) {
        static Counts of(List<Verdict> vs) {
            int a = 0, d = 0, n = 0, e = 0;
            for (Verdict v : vs) {
                switch (v) {
                    case Verdict.Agree x -> a++;
                    case Verdict.Disagree x -> d++;
                    case Verdict.NotObservable x -> n++;
                    case Verdict.Error x -> e++;
                }
            }
            return new Counts(a, d, n, e);
        }

        Counts plus(Counts o) {
            return new Counts(agree + o.agree, disagree + o.disagree, notObservable + o.notObservable, errors + o.errors);
        }
    }

    static String place(Scenario s, int step) {
        for (Step x : s.steps()) if (x.common().index() == step) return x.common().place();
        return "step " + step;
    }

    public static void scenarioLine(PrintWriter out, Scenario s, List<Verdict> verdicts, String error) {
        Counts c = Counts.of(verdicts);
        String mark = c.errors() > 0 || error != null ? "ERROR" : c.disagree() > 0 ? "DIFF " : "ok   ";
        out.printf("  %s %s: %d agree, %d disagree, %d not observable%n", mark, s.name(), c.agree(), c.disagree(), c.notObservable());
        for (Verdict v : verdicts) {
            switch (v) {
                case Verdict.Disagree d -> {
                    out.println("        " + place(s, d.step()) + (d.kernelNote() != null ? " [kernel: " + d.kernelNote() + "]" : ""));
                    for (Verdict.Difference f : d.differences()) out.println("          " + shorten(f.toString(), 400));
                }
                case Verdict.Error e -> out.println("        error at " + place(s, e.step()) + ": " + e.message());
                default -> { }
            }
        }
        out.flush();
    }

    static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "... (" + s.length() + " chars)";
    }

    public static void table(PrintWriter out, List<OracleRun.KernelResult> kernels) {
        out.println();
        out.println("| kernel | build | era | scenarios | steps | agree | disagree | not observable | errors | boots | time |");
        out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        for (OracleRun.KernelResult k : kernels) {
            Counts c = new Counts(0, 0, 0, 0);
            for (OracleRun.ScenarioResult s : k.scenarios()) c = c.plus(Counts.of(s.verdicts()));
            int steps = c.agree() + c.disagree() + c.notObservable() + c.errors();
            out.printf("| %s | %s | %s | %d | %d | %d | %d | %d | %d | %d | %.1f s |%n", k.kernel().spec(), k.kernel().release(), k.kernel().era(),
                k.scenarios().size(), steps, c.agree(), c.disagree(), c.notObservable(), c.errors(), k.boots(), k.millis() / 1000.0);
        }
        for (OracleRun.KernelResult k : kernels) {
            if (k.kernel().eraNote() != null) out.println("note: " + k.kernel().release() + ": " + k.kernel().eraNote());
            if (k.skippedOtherEra() > 0) out.println("note: " + k.kernel().release() + ": " + k.skippedOtherEra() + " scenario file(s) not written for era " + k.kernel().era());
            for (String e : k.errors()) out.println("error: " + k.kernel().release() + ": " + e);
        }
        out.flush();
    }

    public static void json(Path file, List<OracleRun.KernelResult> kernels) throws IOException {
        List<Object> ks = new ArrayList<>();
        for (OracleRun.KernelResult k : kernels) {
            Map<String, Object> km = ReportFormats.kernelEntry(k.kernel(), k.version(), k.millis(), k.errors());
            List<Object> ss = new ArrayList<>();
            for (OracleRun.ScenarioResult s : k.scenarios()) {
                Map<String, Object> sm = new LinkedHashMap<>();
                sm.put("scenario", s.scenario().name());
                sm.put("file", s.scenario().file().toString());
                if (s.error() != null) sm.put("error", s.error());
                List<Object> steps = new ArrayList<>();
                for (Verdict v : s.verdicts()) {
                    Map<String, Object> vm = new LinkedHashMap<>();
                    vm.put("step", v.step());
                    switch (v) {
                        case Verdict.Agree a -> vm.put("verdict", "agree");
                        case Verdict.Disagree d -> {
                            vm.put("verdict", "disagree");
                            List<Object> diffs = new ArrayList<>();
                            for (Verdict.Difference f : d.differences()) diffs.add(Map.of("field", f.field(), "emulator", f.emulator(), "kernel", f.kernel()));
                            vm.put("differences", diffs);
                            if (d.kernelNote() != null) vm.put("kernel_note", d.kernelNote());
                        }
                        case Verdict.NotObservable n -> {
                            vm.put("verdict", "not_observable");
                            if (n.reason() != null) vm.put("reason", n.reason());
                        }
                        case Verdict.Error e -> {
                            vm.put("verdict", "error");
                            vm.put("message", e.message());
                        }
                    }
                    steps.add(vm);
                }
                sm.put("steps", steps);
                ss.add(sm);
            }
            km.put("scenarios", ss);
            ks.add(km);
        }
        ReportFormats.json(file, ks);
    }

    public static void junit(Path file, List<OracleRun.KernelResult> kernels) throws IOException {
        List<ReportFormats.Suite> suites = new ArrayList<>();
        for (OracleRun.KernelResult k : kernels) {
            List<ReportFormats.Case> cases = new ArrayList<>();
            for (OracleRun.ScenarioResult s : k.scenarios()) {
                Counts c = Counts.of(s.verdicts());
                StringBuilder body = new StringBuilder();
                for (Verdict v : s.verdicts()) {
                    if (v instanceof Verdict.Disagree d) for (Verdict.Difference f : d.differences()) body.append(place(s.scenario(), d.step())).append(": ").append(f).append('\n');
                    if (v instanceof Verdict.Error e) body.append(place(s.scenario(), e.step())).append(": ").append(e.message()).append('\n');
                }
                cases.add(new ReportFormats.Case(s.scenario().name(), c.errors() > 0 ? body.toString() : null,
                    c.disagree() + " step(s) disagree", c.disagree() > 0 ? body.toString() : null));
            }
            suites.add(new ReportFormats.Suite("oracle " + k.kernel().release(), "oracle." + k.kernel().release(), k.millis(), cases));
        }
        ReportFormats.junit(file, "arena-emu oracle", suites);
    }
}
