package dev.arenaemu.scenarios.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.arenaemu.scenarios.check.Violation;
import dev.arenaemu.scenarios.replay.Mismatch;
import dev.arenaemu.scenarios.replay.Outcome;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The machine-readable report: one object per run with every mismatch and violation. */
public final class JsonReport {
    private JsonReport() {}

    public static void write(Path file, List<Outcome> outcomes) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("total", outcomes.size());
        root.put("passed", outcomes.stream().filter(Outcome::passed).count());
        root.put("runs", outcomes.stream().map(JsonReport::run).toList());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), root);
    }

    private static Map<String, Object> run(Outcome o) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scenario", o.scenario());
        m.put("file", o.file());
        m.put("era", o.era().label);
        m.put("run", o.run());
        m.put("status", o.status().name());
        m.put("steps", o.steps());
        m.put("millis", o.nanos() / 1_000_000.0);
        if (o.error() != null) m.put("error", o.error());
        if (o.stackTrace() != null) m.put("stack_trace", o.stackTrace());
        m.put("mismatches", o.mismatches().stream().map(JsonReport::mismatch).toList());
        m.put("violations", o.violations().stream().map(JsonReport::violation).toList());
        return m;
    }

    private static Map<String, Object> mismatch(Mismatch x) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", x.step());
        m.put("place", x.place());
        m.put("what", x.what());
        m.put("expected", x.expected());
        m.put("actual", x.actual());
        if (x.excerpt() != null) m.put("excerpt", x.excerpt());
        return m;
    }

    private static Map<String, Object> violation(Violation v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("invariant", v.invariant().label);
        m.put("step", v.step());
        m.put("detail", v.detail());
        return m;
    }
}
