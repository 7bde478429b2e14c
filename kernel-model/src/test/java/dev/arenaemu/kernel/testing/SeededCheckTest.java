package dev.arenaemu.kernel.testing;

import static org.junit.jupiter.api.Assertions.*;

import dev.arenaemu.kernel.testing.SeededCheck.Reducer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The property runner that replaced jqwik: tries, reproducible seeds, and a reduced failing case. */
class SeededCheckTest {

    private static List<Integer> ints(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < 40; i++) out.add(r.nextInt(1000));
        return out;
    }

    @Test
    void everyTryRunsAndTheSameSeedsComeBack() {
        List<List<Integer>> first = new ArrayList<>(), second = new ArrayList<>();
        SeededCheck.forAll("p", 50, SeededCheckTest::ints, Reducer.none(), Object::toString, first::add);
        SeededCheck.forAll("p", 50, SeededCheckTest::ints, Reducer.none(), Object::toString, second::add);
        assertEquals(50, first.size());
        assertEquals(first, second, "a fixed base seed: every run checks the same cases");
        assertEquals(50, first.stream().distinct().count());
    }

    @Test
    void aFailureNamesTheSeedAndIsReducedToAMinimalCase() {
        // fails when two elements of at least 500 are present: the minimal case is two elements equal to 500
        AssertionError e = assertThrows(AssertionError.class, () -> SeededCheck.forAll("two big", 100, SeededCheckTest::ints,
            Reducer.list(v -> v > 500 ? List.of(500, (v + 500) / 2, v - 1) : List.of()), Object::toString,
            list -> assertTrue(list.stream().filter(v -> v >= 500).count() < 2, "two elements >= 500")));
        String m = e.getMessage();
        assertTrue(m.startsWith("two big failed at try 1 of 100, seed 0x"), m);
        assertTrue(m.contains("-Darenaemu.check.replay=0x"), m);
        assertTrue(m.contains("reduced case (") && m.endsWith("two elements >= 500 ==> expected: <true> but was: <false>"), m);
        String reduced = m.substring(m.indexOf("re-runs):\n") + "re-runs):\n".length(), m.indexOf("\nfailure of the reduced case"));
        assertEquals("[500, 500]", reduced);
    }

    @Test
    void reductionKeepsOnlyFailuresOfTheSameKind() {
        // a candidate that fails differently (here: an exception instead of the assertion) is not taken
        AtomicInteger runs = new AtomicInteger();
        AssertionError e = assertThrows(AssertionError.class, () -> SeededCheck.forAll("kind", 1, seed -> List.of(1, 2, 3),
            Reducer.list(Reducer.none()), Object::toString, list -> {
                runs.incrementAndGet();
                if (list.size() < 3) throw new IllegalStateException("shorter lists fail differently");
                fail("three elements");
            }));
        assertTrue(e.getMessage().contains("reduced case (0 reduction steps"), e.getMessage());
        assertTrue(runs.get() > 1, "the candidates were tried");
    }

    @Test
    void replayRunsOnlyThePrintedSeedAndTriesOverridesTheCount() {
        List<Long> seen = new ArrayList<>();
        try {
            System.setProperty("arenaemu.check.replay", "0x2a");
            SeededCheck.forAll("p", 50, seed -> seed, Reducer.none(), Object::toString, seen::add);
            assertEquals(List.of(42L), seen);
            System.clearProperty("arenaemu.check.replay");
            System.setProperty("arenaemu.check.tries", "7");
            seen.clear();
            SeededCheck.forAll("p", 50, seed -> seed, Reducer.none(), Object::toString, seen::add);
            assertEquals(7, seen.size());
        } finally {
            System.clearProperty("arenaemu.check.replay");
            System.clearProperty("arenaemu.check.tries");
        }
    }

    @Test
    void textReducerDropsLinesThenCharacters() {
        AssertionError e = assertThrows(AssertionError.class, () -> SeededCheck.forAll("text", 1, seed -> "abc\nxyz!\nqrs",
            Reducer.text(), s -> "<" + s + ">", s -> assertFalse(s.contains("!"))));
        assertTrue(e.getMessage().contains("\n<!>\n"), e.getMessage());
    }
}
