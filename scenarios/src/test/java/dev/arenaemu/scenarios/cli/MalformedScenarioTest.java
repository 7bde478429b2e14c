package dev.arenaemu.scenarios.cli;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every file under malformed/ must be refused with exit status 2 and a message that names the
 * place (file:line:column, or the step index) and says what is wrong — found while reading, or
 * (30: a program's assembler text) while replaying.
 */
class MalformedScenarioTest {
    private static final Path DIR = Path.of("src/test/resources/malformed");

    /** The part of each message that proves the reader understood what is wrong, and where. */
    private static final Map<String, String> EXPECTED = Map.ofEntries(
        Map.entry("01-syntax-error.json", "01-syntax-error.json:4:3: JSON syntax error"),
        Map.entry("02-wrong-type.json", "02-wrong-type.json:4:28: \"max_entries\" must be an integer, got string"),
        Map.entry("03-unknown-step.json", "03-unknown-step.json:6:12: unknown step op \"mmapp\""),
        Map.entry("04-unknown-field.json", "04-unknown-field.json:6:20: unknown field \"lenght\" in step 0 (did you mean \"length\"?)"),
        Map.entry("05-bad-address-expression.json", "05-bad-address-expression.json:7:34: bad expression \"base+\""),
        Map.entry("06-unknown-symbol.json", "06-unknown-symbol.json:7:29: unknown symbol \"bsae\""),
        Map.entry("07-missing-program.json", "runs the undeclared program \"P\""),
        Map.entry("08-bad-era.json", "08-bad-era.json:3:10: unknown era \"v5.4\""),
        Map.entry("09-negative-count.json", "09-negative-count.json:4:28: \"max_entries\" must not be negative, got -1"),
        Map.entry("10-unknown-errno.json", "10-unknown-errno.json:5:66: unknown errno \"EWHATEVER\""),
        Map.entry("11-duplicate-key.json", "11-duplicate-key.json:4:8: JSON syntax error: Duplicate field 'era'"),
        Map.entry("12-fraction.json", "12-fraction.json:4:11: expected an integer, got the fraction 1.5"),
        Map.entry("13-unknown-process.json", "13-unknown-process.json:7:31: unknown process \"U2\""),
        Map.entry("14-missing-name.json", "14-missing-name.json:1:1: the scenario is missing the required field \"name\""),
        Map.entry("15-no-steps.json", "15-no-steps.json:4:12: a scenario needs at least one step"),
        Map.entry("16-bad-flag-name.json", "16-bad-flag-name.json:4:53: unknown flags name \"SEGV_ON_FAULTS\""),
        Map.entry("17-trailing-garbage.json", "17-trailing-garbage.json:7:1:"),
        Map.entry("18-bad-access-size.json", "18-bad-access-size.json:7:44: \"size\" must be 1, 2, 4 or 8, got 3"),
        Map.entry("19-inject-both-modes.json", "19-inject-both-modes.json:4:14: an inject entry needs exactly one of \"nth\" or \"probability\""),
        Map.entry("20-bad-machine-code.json", "20-bad-machine-code.json:6:32: \"code\" must be x86-64 machine code in hex"),
        Map.entry("21-program-file-missing.json", "21-program-file-missing.json:4:30: program file not found"),
        Map.entry("22-not-an-object.json", "22-not-an-object.json:1:1: the scenario must be an object, got array"),
        Map.entry("23-unknown-top-field.json", "23-unknown-top-field.json:5:3: unknown field \"setps\" in the scenario"),
        Map.entry("24-unknown-signal.json", "24-unknown-signal.json:7:67: unknown signal \"SIGSEV\""),
        Map.entry("25-as-rebinds-builtin.json", "25-as-rebinds-builtin.json:6:46: \"as\" cannot rebind the built-in name base"),
        Map.entry("26-unknown-function.json", "26-unknown-function.json:7:29: bad expression \"kernel(base)\" in \"addr\": unknown function 'kernel'"),
        Map.entry("27-number-too-big.json", "27-number-too-big.json:4:45: bad expression"),
        Map.entry("28-errno-and-ret.json", "28-errno-and-ret.json:6:75: give either \"ret\" or \"errno\", not both"),
        Map.entry("29-process-after-exit.json", "process \"U\" is used after its exit step (in step 2, op read)"),
        Map.entry("30-bad-program-asm.json", "30-bad-program-asm.json:5:21: program \"P\" asm line 1, column"),
        Map.entry("31-unknown-arena.json", "31-unknown-arena.json:8:53: unknown arena \"othre\" (created so far: arena, other;"),
        Map.entry("32-asm-unknown-map.json", "32-asm-unknown-map.json:5:21: program \"P\" insn 0: map[arean] names no arena of this scenario (arenas: arena;"),
        Map.entry("33-mcpu-on-asm.json", "33-mcpu-on-asm.json:5:53: \"mcpu\" is clang's -mcpu: only a program compiled from a .c file has one"),
        Map.entry("34-stderr-on-kfunc.json", "34-stderr-on-kfunc.json:6:80: \"stderr\" is what BPF_PROG_TEST_RUN reports: only a run_program step has it"),
        Map.entry("35-deep-expression.json", "35-deep-expression.json:6:129: bad expression"));

    private static final Pattern PLACE = Pattern.compile("\\.json:\\d+:\\d+: |\\(in step \\d+");

    @Test
    void theCorpusOfMalformedFilesIsLargeAndFullyDescribed() throws IOException {
        List<String> files;
        try (Stream<Path> s = Files.list(DIR)) {
            files = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertTrue(files.size() >= 15, "at least 15 malformed scenarios, found " + files.size());
        assertEquals(EXPECTED.keySet().stream().sorted().toList(), files, "every malformed file has an expected message");
    }

    @TestFactory
    Stream<DynamicTest> eachMalformedFileExitsWithStatus2AndNamesThePlace() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(DIR)) {
            files = s.sorted().toList();
        }
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            StringWriter out = new StringWriter(), err = new StringWriter();
            int status = Main.run(new String[] {"replay", f.toString()}, new PrintWriter(out), new PrintWriter(err));
            String message = err.toString() + out;   // errors found while replaying are part of the report
            assertEquals(2, status, "exit status; stderr was: " + message);
            assertTrue(PLACE.matcher(message).find(), "message names a place: " + message);
            String expected = EXPECTED.get(f.getFileName().toString());
            assertTrue(message.contains(expected), "expected \"" + expected + "\" in: " + message);
        }));
    }
}
