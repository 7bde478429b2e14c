package dev.arenaemu.scenarios.format;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Coverage-guided fuzzing of the scenario reader (docs/fuzzing.md). Contract: any text is a
 * {@link Scenario} or a {@link ScenarioException} whose message starts with the file name (the
 * place, file:line:column or file plus step), never another throwable. The normal test command
 * replays the committed inputs in ScenarioReaderFuzzTestInputs/anyText (real corpus scenarios,
 * the malformed-scenario suite and the regression inputs of past findings).
 */
class ScenarioReaderFuzzTest {
    private static final Path FILE = Path.of("fuzz.json");

    @FuzzTest(maxDuration = "2m")
    void anyText(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        try {
            ScenarioReader.parse(FILE, text);
        } catch (ScenarioException e) {
            assertTrue(e.getMessage().startsWith(FILE + ":"), e.getMessage());
        }
    }
}
