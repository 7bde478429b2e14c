package dev.arenaemu.scenarios.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exit statuses (0 pass, 1 failed, 2 bad input or usage), reports, and the folder walk. */
class MainTest {
    private static final String PASSING = """
        {"name": "passing", "era": ["v6.13", "latest"], "arena": {"max_entries": 2, "map_extra": "0x1000_0000_0000"},
         "steps": [{"op": "kfunc", "name": "alloc_pages", "page_cnt": 1, "expect": {"ret": "base"}}]}""";
    private static final String FAILING = """
        {"name": "failing", "era": "v6.13", "arena": {"max_entries": 2, "map_extra": "0x1000_0000_0000"},
         "steps": [{"op": "kfunc", "name": "alloc_pages", "page_cnt": 1, "expect": {"ret": "base+4K"}}]}""";

    record Run(int status, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int status = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(status, out.toString(), err.toString());
    }

    @Test
    void allPassingScenariosExitWith0AndWriteOneJunitTestcasePerRun(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("p.json"), PASSING);
        Path junit = dir.resolve("r.xml"), json = dir.resolve("r.json");
        Run r = run("replay", "--junit", junit.toString(), "--json", json.toString(), dir.resolve("p.json").toString());
        assertEquals(0, r.status(), r.err() + r.out());
        assertTrue(r.out().contains("2 run(s): 2 passed"), r.out());
        String xml = Files.readString(junit);
        assertEquals(2, xml.split("<testcase ", -1).length - 1, xml);
        assertTrue(Files.readString(json).contains("\"status\" : \"PASS\""));
    }

    @Test
    void aFailingScenarioExitsWith1AndShowsTheDiff(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("f.json"), FAILING);
        Path junit = dir.resolve("r.xml");
        Run r = run("replay", "--junit", junit.toString(), dir.resolve("f.json").toString());
        assertEquals(1, r.status(), r.err() + r.out());
        assertTrue(r.out().contains("step 0 (kfunc)") && r.out().contains("expected: base+4K = 0x100000001000")
            && r.out().contains("actual:   0x100000000000") && r.out().contains("page map around"), r.out());
        assertTrue(Files.readString(junit).contains("<failure message=\"step 0 (kfunc)"));
    }

    /** `eras` lists every era and, from the second on, exactly the switches whose value changes (KernelEra.switches()). */
    @Test
    void erasListsTheChangesOfEachEraFromTheSwitches() {
        Run r = run("eras");
        assertEquals(0, r.status(), r.err());
        String out = r.out();
        for (String header : List.of("E1 v6.9:", "E2 v6.10 (also v6.11, v6.12): 3 change(s) from v6.9", "E3 v6.13: 2 change(s) from v6.10", "E4 v7.0:", "E5 latest:")) {
            assertTrue(out.contains(header), header + " in\n" + out);
        }
        String e2 = out.substring(out.indexOf("E2 v6.10"), out.indexOf("E3 v6.13"));
        assertTrue(e2.contains("* hasVmOpen = true (was false)") && e2.contains("arena_vm_open"), e2);
        assertTrue(e2.contains("* allowsArenaAtomics = true (was false)"), e2);
        assertTrue(e2.contains("* shortJumpMaxForward = 123 (was 127)") && e2.contains("is_imm8_jmp_offset"), e2);
        String e3 = out.substring(out.indexOf("E3 v6.13"), out.indexOf("E4 v7.0"));
        assertTrue(e3.contains("* usesMapleTree = false (was true)") && e3.contains("* hasReservePages = true (was false)"), e3);
        assertEquals(0, run("replay", "--era", "v6.11", "corpus/13-01-minimal-arena.json").status(), "v6.11 names E2");
    }

    @Test
    void usageErrorsExitWith2() {
        assertEquals(2, run().status(), "no subcommand");
        assertEquals(2, run("replay").status(), "no PATH");
        assertEquals(2, run("replay", "--bogus", "x").status(), "unknown option");
        assertEquals(2, run("replay", "/no/such/place").status(), "missing path");
        assertEquals(2, run("replay", "--era", "v5.4", "corpus").status(), "unknown era");
        assertEquals(2, run("frobnicate").status(), "unknown subcommand");
        assertEquals(0, run("--help").status());
    }

    @Test
    void eraOptionReplaysOnlyThatEra(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("p.json"), PASSING);
        Run r = run("replay", "--era", "latest", dir.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("1 run(s): 1 passed") && r.out().contains("[latest]"), r.out());
    }

    @Test
    void folderWalkSkipsSourceAndBuildTrees(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("corpus"));
        Files.createDirectories(dir.resolve("src/test/resources/malformed"));
        Files.createDirectories(dir.resolve("target"));
        Files.writeString(dir.resolve("corpus/p.json"), PASSING);
        Files.writeString(dir.resolve("src/test/resources/malformed/bad.json"), "{");
        Files.writeString(dir.resolve("target/copy.json"), "{");
        Run r = run("replay", dir.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("2 run(s): 2 passed"), r.out());
    }

    @Test
    void badInputStillReplaysTheGoodFilesButExitsWith2(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a.json"), PASSING);
        Files.writeString(dir.resolve("b.json"), "{\"name\": 1}");
        Run r = run("replay", dir.toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("b.json:1:10: \"name\" must be a string, got integer"), r.err());
        assertTrue(r.out().contains("2 run(s): 2 passed"), r.out());
    }

    @Test
    void userCodeThatNeverEndsIsStoppedByTheBudgetAndFailsTheScenario(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("loop.json"), """
            {"name": "loop", "era": "v6.13", "max_instructions": 100000, "arena": {"max_entries": 1},
             "steps": [{"op": "run_code", "code": "eb fe", "comment": "jmp $"}]}""");
        Run r = run("replay", dir.resolve("loop.json").toString());
        assertEquals(1, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("step 0 (run_code)") && r.out().contains("ran out of its INSTRUCTIONS budget"), r.out());
    }

    @Test
    void aStepThatCannotRunAsWrittenIsBadInputNamingTheStep(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("noarena.json"), """
            {"name": "noarena", "era": "v6.13", "steps": [{"op": "kfunc", "name": "alloc_pages", "page_cnt": 1}]}""");
        Run r = run("replay", dir.resolve("noarena.json").toString());
        assertEquals(2, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("step 0 (kfunc) at ") && r.out().contains("no arena has been created yet"), r.out());
    }

    @Test
    void conformancePluginPassesBpfConformanceArgumentsThroughAndPrintsR0() {
        // r0 = *(u32 *)(r1 + 0); exit — with the memory 11 22 33 44 in R1.
        Run r = run("conformance-plugin", "--program", "61 10 00 00 00 00 00 00 95 00 00 00 00 00 00 00", "11 22 33 44");
        assertEquals(0, r.status(), r.err());
        assertEquals("44332211", r.out().strip());
    }

    @Test
    void sweepSurvivesExpectationsThatNeedTheArenaWhoseCreationItFailed() {
        // 13-01 checks pages at "base" after create_arena; failing the creation leaves "base" without a value.
        Run r = run("sweep", "--era", "latest", "corpus/13-01-minimal-arena.json");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().matches("(?s).*arena_struct\\s+1\\s+1\\s+1\\s+0.*"), r.out());
    }

    @Test
    void sweepFailsEachHitOnceAndReportsEverySweepRun(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("p.json"), PASSING.replace("[\"v6.13\", \"latest\"]", "\"v6.13\""));
        Path junit = dir.resolve("s.xml");
        Run r = run("sweep", "--junit", junit.toString(), dir.resolve("p.json").toString());
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().matches("(?s).*page_alloc\\s+1\\s+1\\s+1\\s+0.*"), r.out());
        String xml = Files.readString(junit);
        assertTrue(xml.contains("name=\"passing fail page_alloc #1\""), xml);
        assertTrue(xml.contains("name=\"passing count hits\""), xml);
    }
}
