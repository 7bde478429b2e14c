package dev.arenaemu.junit;

import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.replay.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link ScenarioAssertions}: a scenario that holds passes in every era it lists; one whose
 * expectation is wrong fails the test with the mismatch (expected, actual); a malformed one with
 * the reader's file:line:column.
 */
class ScenarioAssertionsTest {
    /** Catalogue 35 (scenarios/corpus/13-35-sequential-alloc.json): range_tree_find gives the lowest fitting pgoffs. */
    private static Path sequentialAlloc() throws URISyntaxException {
        return Path.of(ScenarioAssertionsTest.class.getResource("/13-35-sequential-alloc.json").toURI());
    }

    @Test
    void aScenarioThatHoldsPassesInEveryEraItLists() throws Exception {
        List<Outcome> outcomes = ScenarioAssertions.assertPasses(sequentialAlloc());
        assertEquals(List.of(Era.V6_13, Era.V7_0, Era.LATEST), outcomes.stream().map(Outcome::era).toList());
        assertTrue(outcomes.stream().allMatch(Outcome::passed));
    }

    @Test
    void oneEraCanBeAsked() throws Exception {
        assertEquals(Era.V7_0, ScenarioAssertions.assertPasses(sequentialAlloc(), "v7.0").era());
    }

    @Test
    void aWrongExpectationFailsWithTheMismatchReport(@TempDir Path dir) throws Exception {
        String json = Files.readString(sequentialAlloc());
        // the second alloc(NULL, 2) really returns X+4K: the lowest free run that fits
        Path doctored = Files.writeString(dir.resolve("doctored.json"), json.replaceFirst("\"ret\": \"base\\+4K\"", "\"ret\": \"base+8K\""));
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> ScenarioAssertions.assertPasses(doctored));
        String m = e.getMessage();
        assertTrue(m.startsWith("scenario 13-35-sequential-alloc (" + doctored + "): 3 of 3 run(s) did not pass"), m);
        assertTrue(m.contains("FAIL 13-35-sequential-alloc [v6.13]"), m);
        assertTrue(m.contains("step 2 (kfunc) at " + doctored + ":34:5: return value\n        expected: base+8K = 0x100000002000\n        actual:   0x100000001000"), m);
    }

    @Test
    void aMalformedScenarioFailsWithItsLocation(@TempDir Path dir) throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\n  \"name\": \"x\",\n  \"eras\": [\"v6.13\"]\n}\n");
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> ScenarioAssertions.assertPasses(bad));
        assertTrue(e.getMessage().startsWith("scenario does not read: " + bad + ":"), e.getMessage());
    }

    @Test
    void anEraTheScenarioDoesNotListIsRefused() throws Exception {
        Path sixThirteenOnly = sequentialAlloc();
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> ScenarioAssertions.assertPasses(sixThirteenOnly, "v5.4"));
        assertTrue(e.getMessage().contains("unknown era 'v5.4'"), e.getMessage());
    }
}
