package dev.arenaemu.scenarios.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.arenaemu.scenarios.format.Step;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Parses the runner's result lines ({@code @@ORACLE {json}}, see runner.c) into one
 * {@link SideResult} per scenario. Lines that are not the runner's are ignored; a garbled line of
 * the runner's is an error of the scenario it belongs to.
 */
public final class GuestResults {
    public static final String MARK = "@@ORACLE ";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The kernel's /proc/version, whether it has BTF, and per scenario number what was seen. */
    public record Parsed(String kernelVersion, boolean btf, boolean done, Map<Integer, Scenario> scenarios) {}

    /** One scenario's lines: its steps' raw results and how it ended. */
    public static final class Scenario {
        public final Map<Integer, JsonNode> steps = new HashMap<>();
        public int lastStep = -2;
        public boolean begun, ended;
        public String error;
    }

    public static Parsed parse(List<String> lines) {
        String version = null;
        boolean btf = false, done = false;
        Map<Integer, Scenario> out = new HashMap<>();
        int current = -1;
        for (String raw : lines) {
            int at = raw.indexOf(MARK);
            if (at < 0) continue;
            String body = raw.substring(at + MARK.length()).strip();
            JsonNode n;
            try {
                n = JSON.readTree(body);
            } catch (Exception e) {
                if (current >= 0) out.computeIfAbsent(current, k -> new Scenario()).error = "garbled runner output: " + body;
                continue;
            }
            if (n.has("boot")) {
                version = n.get("boot").asText();
                btf = n.path("btf").asInt() == 1;
                continue;
            }
            if (n.has("done")) {
                done = true;
                continue;
            }
            int sc = n.path("sc").asInt(-1);
            if (sc < 0) continue;
            Scenario s = out.computeIfAbsent(sc, k -> new Scenario());
            current = sc;
            if (n.has("begin")) s.begun = true;
            else if (n.has("end")) s.ended = true;
            else if (n.has("timeout")) s.error = "timed out after " + n.get("timeout").asLong() / 1000 + " s (the runner killed the scenario's processes)";
            else if (n.has("crash")) s.error = "the scenario's controller died (" + n.get("crash").asText() + ")";
            else if (n.has("st")) {
                int st = n.get("st").asInt();
                s.steps.put(st, n);
                s.lastStep = st;
                if (n.has("error")) s.error = n.get("error").asText();
            }
        }
        return new Parsed(version, btf, done, out);
    }

    /** The kernel side of one scenario: each step's fields, normalized as the emulator's are. */
    public static SideResult side(CompiledScenario cs, Scenario s, String bootError) {
        Map<Integer, Observation> steps = new HashMap<>();
        if (s != null) {
            for (Step step : cs.scenario().steps()) {
                int i = step.common().index();
                JsonNode n = s.steps.get(i);
                if (n == null) continue;
                StepPlan plan = cs.plan(i);
                String note = n.has("note") ? n.get("note").asText() : null;
                if (n.path("no").asInt() == 1) {
                    steps.put(i, Observation.unobservable(i, note != null ? note : "the runner could not express the step"));
                    continue;
                }
                steps.put(i, new Observation(i, Normalizer.fields(step, plan.mode(), raw(cs, n)), note, null));
            }
        }
        String error = s == null ? bootError : s.error != null ? s.error : !s.ended ? (bootError != null ? bootError : "the scenario did not finish") : null;
        return new SideResult(steps, error, s == null ? SideResult.NO_STEP : s.lastStep);
    }

    static RawStep raw(CompiledScenario cs, JsonNode n) {
        OptionalLong ret = n.has("ret") ? OptionalLong.of(n.get("ret").asLong()) : OptionalLong.empty();
        OptionalLong val = n.has("val") ? OptionalLong.of(n.get("val").asLong()) : OptionalLong.empty();
        RawStep.Signal sig = null;
        if (n.has("sig")) {
            JsonNode g = n.get("sig");
            sig = new RawStep.Signal(g.get(0).asInt(), g.get(1).asInt(), g.get(2).asLong());
        }
        List<RawStep.Arena> arenas = new ArrayList<>();
        JsonNode as = n.path("arenas");
        for (int i = 0; i < as.size(); i++) {
            JsonNode a = as.get(i);
            if (a.isNull()) continue;
            String label = i < cs.arenas().size() ? cs.arenas().get(i) : "arena" + i;
            arenas.add(new RawStep.Arena(label, a.get(0).asLong(), a.get(1).asLong(), a.get(2).asLong()));
        }
        List<RawStep.Proc> procs = new ArrayList<>();
        for (JsonNode p : n.path("procs")) {
            int idx = p.get("p").asInt();
            String name = idx < cs.processes().size() ? cs.processes().get(idx) : "process" + idx;
            List<RawStep.Vma> vmas = new ArrayList<>();
            for (JsonNode v : p.path("vmas")) vmas.add(new RawStep.Vma(v.get(0).asLong(), v.get(1).asLong(), v.get(2).asText()));
            List<RawStep.Pte> ptes = new ArrayList<>();
            for (JsonNode t : p.path("ptes")) ptes.add(new RawStep.Pte(t.get(0).asLong(), t.get(1).asLong()));
            procs.add(new RawStep.Proc(name, vmas, ptes));
        }
        return new RawStep(ret, val, sig, arenas, procs);
    }
}
