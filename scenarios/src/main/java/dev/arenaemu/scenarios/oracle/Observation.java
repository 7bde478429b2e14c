package dev.arenaemu.scenarios.oracle;

import java.util.Map;
import java.util.TreeMap;

/**
 * What one side (the emulator or a real kernel) showed for one step, in a form both sides share:
 * {@code fields} maps what was seen ("ret", "value", "signal", "vmas U", "pages U", "memlock
 * arena") to normalized text (addresses relative to the arena base, frames by identity), see
 * {@link Normalizer}. {@code note} carries what the side said about the step (a verifier
 * message); {@code notObservable} a reason the step has no observation on this side.
 */
public record Observation(int step, Map<String, String> fields, String note, String notObservable) {
    public Observation {
        fields = Map.copyOf(new TreeMap<>(fields));
    }

    public static Observation unobservable(int step, String reason) {
        return new Observation(step, Map.of(), null, reason);
    }
}
