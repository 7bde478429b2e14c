package dev.arenaemu.scenarios.format;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Strict typed access to one JSON object: each getter marks its field as known, and
 * {@link #finish()} rejects every field nobody asked for, at the key's own position.
 */
final class ObjectReader {
    private final Node.Obj obj;
    private final String what;
    private final Set<String> known = new HashSet<>();

    ObjectReader(Node node, String what) throws ScenarioException {
        if (!(node instanceof Node.Obj o)) throw new ScenarioException(node.where(), what + " must be an object, got " + node.kind());
        this.obj = o;
        this.what = what;
    }

    Where where() {
        return obj.where();
    }

    Optional<Node> opt(String name) {
        known.add(name);
        Node.Field f = obj.fields().get(name);
        return f == null || f.value() instanceof Node.Null ? Optional.empty() : Optional.of(f.value());
    }

    boolean has(String name) {
        Node.Field f = obj.fields().get(name);
        return f != null && !(f.value() instanceof Node.Null);
    }

    Node req(String name) throws ScenarioException {
        Optional<Node> n = opt(name);
        if (n.isEmpty()) {
            // A misspelt required field is better reported as the misspelling, where it was written.
            for (Node.Field f : obj.fields().values()) {
                if (!known.contains(f.name()) && close(f.name(), name)) {
                    throw new ScenarioException(f.keyWhere(), "unknown field \"" + f.name() + "\" in " + what + " (did you mean \"" + name + "\"?)");
                }
            }
            throw new ScenarioException(obj.where(), what + " is missing the required field \"" + name + "\"");
        }
        return n.get();
    }

    /** Edit distance at most 2 (Levenshtein), for "did you mean". */
    private static boolean close(String a, String b) {
        if (Math.abs(a.length() - b.length()) > 2) return false;
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev; prev = cur; cur = t;
        }
        return prev[b.length()] <= 2;
    }

    String string(String name) throws ScenarioException {
        return asString(req(name), name);
    }

    Optional<String> optString(String name) throws ScenarioException {
        Optional<Node> n = opt(name);
        return n.isEmpty() ? Optional.empty() : Optional.of(asString(n.get(), name));
    }

    boolean bool(String name, boolean dflt) throws ScenarioException {
        Optional<Node> n = opt(name);
        if (n.isEmpty()) return dflt;
        if (n.get() instanceof Node.Bool b) return b.value();
        throw typeError(n.get(), name, "a boolean");
    }

    Optional<Boolean> optBool(String name) throws ScenarioException {
        Optional<Node> n = opt(name);
        if (n.isEmpty()) return Optional.empty();
        if (n.get() instanceof Node.Bool b) return Optional.of(b.value());
        throw typeError(n.get(), name, "a boolean");
    }

    /** An integer literal in [min, max]; a negative count is reported as such. */
    long integer(String name, long dflt, long min, long max) throws ScenarioException {
        Optional<Node> n = opt(name);
        return n.isEmpty() ? dflt : integerValue(n.get(), name, min, max);
    }

    static long integerValue(Node n, String name, long min, long max) throws ScenarioException {
        if (!(n instanceof Node.Int i)) throw typeError(n, name, "an integer");
        BigInteger v = i.value();
        if (v.signum() < 0 && min >= 0) throw new ScenarioException(n.where(), "\"" + name + "\" must not be negative, got " + v);
        if (v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
            throw new ScenarioException(n.where(), "\"" + name + "\" must be between " + min + " and " + max + ", got " + v);
        }
        return v.longValue();
    }

    List<Node> array(String name) throws ScenarioException {
        Optional<Node> n = opt(name);
        if (n.isEmpty()) return List.of();
        if (n.get() instanceof Node.Arr a) return a.items();
        throw typeError(n.get(), name, "an array");
    }

    Map<String, Node.Field> object(String name) throws ScenarioException {
        Optional<Node> n = opt(name);
        if (n.isEmpty()) return Map.of();
        if (n.get() instanceof Node.Obj o) return o.fields();
        throw typeError(n.get(), name, "an object");
    }

    void finish() throws ScenarioException {
        for (Node.Field f : obj.fields().values()) {
            if (!known.contains(f.name())) {
                List<String> names = new ArrayList<>(known);
                names.sort(null);
                throw new ScenarioException(f.keyWhere(), "unknown field \"" + f.name() + "\" in " + what + " (allowed: " + String.join(", ", names) + ")");
            }
        }
    }

    static String asString(Node n, String name) throws ScenarioException {
        if (n instanceof Node.Str s) return s.value();
        throw typeError(n, name, "a string");
    }

    static ScenarioException typeError(Node n, String name, String expected) {
        return new ScenarioException(n.where(), "\"" + name + "\" must be " + expected + ", got " + n.kind());
    }
}
