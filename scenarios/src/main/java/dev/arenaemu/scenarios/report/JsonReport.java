package dev.arenaemu.scenarios.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.arenaemu.scenarios.check.Violation;
import dev.arenaemu.scenarios.replay.Mismatch;
import dev.arenaemu.scenarios.replay.Outcome;
import dev.arenaemu.scenarios.shard.Shard;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The machine-readable report: one object per run with every mismatch and violation. Each run
 * carries {@code seq}, its position in the unsharded run, and a shard's report its
 * {@code "shard": "K/N"}: {@code arena-emu merge} puts shards' runs back in that order.
 */
public final class JsonReport {
    private JsonReport() {}

    public static void write(Path file, List<Outcome> outcomes) throws IOException {
        write(file, outcomes, IntStream.range(0, outcomes.size()).boxed().toList(), Shard.ALL);
    }

    /** @param seqs each outcome's position in the unsharded run; @param shard the shard these runs are */
    public static void write(Path file, List<Outcome> outcomes, List<Integer> seqs, Shard shard) throws IOException {
        List<Map<String, Object>> runs = new ArrayList<>();
        for (int i = 0; i < outcomes.size(); i++) runs.add(run(outcomes.get(i), seqs.get(i)));
        write(file, runs, shard);
    }

    /** Writes runs in the given order (also what {@code merge} writes). */
    static void write(Path file, List<? extends Map<String, ?>> runs, Shard shard) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("total", runs.size());
        root.put("passed", runs.stream().filter(r -> "PASS".equals(String.valueOf(r.get("status")))).count());
        if (shard.sharded()) root.put("shard", shard.toString());
        root.put("runs", runs);
        mapper().writeValue(file.toFile(), root);
    }

    static ObjectMapper mapper() {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    private static Map<String, Object> run(Outcome o, int seq) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seq", seq);
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
