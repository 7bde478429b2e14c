package dev.arenaemu.kernel.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongFunction;

/**
 * Property checks over the project's seeded generators, as plain JUnit 5 code: a fixed number of
 * tries, each try's case made from its own seed, and on failure an {@link AssertionError} that
 * names the seed, the case as generated and the case after reduction (see {@link Reducer}).
 *
 * <p>The try seeds come from a fixed base seed, so every run of the test command checks the same
 * cases. For longer or different runs:
 * <ul>
 *   <li>{@code -Darenaemu.check.tries=N}: N tries for every check (instead of each check's own count);</li>
 *   <li>{@code -Darenaemu.check.seed=S}: another base seed (decimal or 0x hex), i.e. other cases;</li>
 *   <li>{@code -Darenaemu.check.replay=S}: run only the case of try seed S (as printed by a failure).</li>
 * </ul>
 */
public final class SeededCheck {
    private static final long DEFAULT_BASE_SEED = 0x5EED_A7E4AL;
    /** The reduction stops after this many re-runs of the check, keeping the smallest failing case found. */
    private static final int MAX_REDUCTION_RUNS = 2_000;

    private SeededCheck() {}

    /** Runs {@code check} on {@code tries} cases; a failing case is reduced with {@code reducer} before it is reported. */
    public static <T> void forAll(String property, int tries, LongFunction<T> generator, Reducer<T> reducer,
                                  Function<T, String> show, Consumer<T> check) {
        Long replay = longProperty("arenaemu.check.replay");
        if (replay != null) {
            runOne(property, 0, 1, replay, generator, reducer, show, check);
            return;
        }
        int n = Integer.getInteger("arenaemu.check.tries", tries);
        Long base = longProperty("arenaemu.check.seed");
        SplittableRandom seeds = new SplittableRandom(base == null ? DEFAULT_BASE_SEED ^ property.hashCode() : base);
        for (int i = 0; i < n; i++) runOne(property, i, n, seeds.nextLong(), generator, reducer, show, check);
    }

    /** For checks whose case is the seed itself (nothing to reduce). */
    public static void forAllSeeds(String property, int tries, Consumer<Long> check) {
        forAll(property, tries, seed -> seed, Reducer.none(), seed -> "seed 0x" + Long.toHexString(seed), check);
    }

    private static <T> void runOne(String property, int index, int tries, long seed, LongFunction<T> generator,
                                   Reducer<T> reducer, Function<T, String> show, Consumer<T> check) {
        T value = generator.apply(seed);
        Throwable failure = failure(check, value);
        if (failure == null) return;
        Reduced<T> reduced = reduce(value, failure, reducer, check);
        String text = property + " failed at try " + (index + 1) + " of " + tries + ", seed 0x" + Long.toHexString(seed)
            + " (replay alone: -Darenaemu.check.replay=0x" + Long.toHexString(seed) + ")\n"
            + "case as generated:\n" + show.apply(value) + "\n"
            + "reduced case (" + reduced.steps + " reduction steps, " + reduced.runs + " re-runs):\n" + show.apply(reduced.value) + "\n"
            + "failure of the reduced case: " + reduced.failure;
        AssertionError error = new AssertionError(text, reduced.failure);
        if (reduced.failure != failure) error.addSuppressed(failure);
        throw error;
    }

    private record Reduced<T>(T value, Throwable failure, int steps, int runs) {}

    /**
     * Greedy reduction: take the first smaller candidate that still fails with the same kind of
     * throwable, start again from it, stop when no candidate fails (or after {@link #MAX_REDUCTION_RUNS}).
     */
    static <T> Reduced<T> reduce(T value, Throwable failure, Reducer<T> reducer, Consumer<T> check) {
        int steps = 0, runs = 0;
        boolean progress = true;
        while (progress && runs < MAX_REDUCTION_RUNS) {
            progress = false;
            for (T candidate : reducer.candidates(value)) {
                if (runs++ >= MAX_REDUCTION_RUNS) break;
                Throwable f = failure(check, candidate);
                if (f != null && f.getClass() == failure.getClass()) {
                    value = candidate;
                    failure = f;
                    steps++;
                    progress = true;
                    break;
                }
            }
        }
        return new Reduced<>(value, failure, steps, runs);
    }

    private static <T> Throwable failure(Consumer<T> check, T value) {
        try {
            check.accept(value);
            return null;
        } catch (Throwable t) {
            if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) throw (VirtualMachineError) t;
            return t;
        }
    }

    private static Long longProperty(String name) {
        String v = System.getProperty(name);
        if (v == null || v.isBlank()) return null;
        v = v.trim();
        return v.startsWith("0x") || v.startsWith("0X") ? Long.parseUnsignedLong(v.substring(2), 16) : Long.parseLong(v);
    }

    /** Smaller variants of a failing case, the most promising first. */
    @FunctionalInterface
    public interface Reducer<T> {
        List<T> candidates(T value);

        static <T> Reducer<T> none() {
            return value -> List.of();
        }

        /**
         * Lists: drop chunks of half, a quarter, ... down to single elements (delta debugging's
         * complement step), then reduce single elements with {@code element}.
         */
        static <E> Reducer<List<E>> list(Reducer<E> element) {
            return list -> {
                List<List<E>> out = new ArrayList<>();
                for (int chunk = list.size() / 2; chunk >= 1; chunk /= 2) {
                    for (int at = 0; at + chunk <= list.size(); at += chunk) {
                        List<E> shorter = new ArrayList<>(list.subList(0, at));
                        shorter.addAll(list.subList(at + chunk, list.size()));
                        out.add(shorter);
                    }
                }
                for (int i = 0; i < list.size(); i++) {
                    for (E smaller : element.candidates(list.get(i))) {
                        List<E> copy = new ArrayList<>(list);
                        copy.set(i, smaller);
                        out.add(copy);
                    }
                }
                return out;
            };
        }

        /** Non-negative integers: 0, then halving, then one less. */
        static Reducer<Integer> towardZero() {
            return v -> {
                List<Integer> out = new ArrayList<>();
                if (v != 0) out.add(0);
                if (v / 2 != 0 && v / 2 != v) out.add(v / 2);
                if (v > 1) out.add(v - 1);
                return out;
            };
        }

        /** Text: drop whole lines first, then single characters. */
        static Reducer<String> text() {
            Reducer<List<String>> lines = list(none());
            Reducer<List<Character>> chars = list(none());
            return text -> {
                List<String> out = new ArrayList<>();
                for (List<String> l : lines.candidates(List.of(text.split("\n", -1)))) out.add(String.join("\n", l));
                List<Character> cs = text.chars().mapToObj(c -> (char) c).toList();
                for (List<Character> c : chars.candidates(cs)) {
                    StringBuilder sb = new StringBuilder();
                    c.forEach(sb::append);
                    out.add(sb.toString());
                }
                out.removeIf(s -> Objects.equals(s, text));
                return out;
            };
        }
    }
}
