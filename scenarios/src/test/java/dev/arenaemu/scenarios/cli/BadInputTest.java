package dev.arenaemu.scenarios.cli;

import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.replay.Outcome;
import dev.arenaemu.scenarios.report.JsonReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The promise for bad input: a clear message naming the place, exit status 2, and nothing
 * already computed is lost (the other scenarios' runs, the other report). Internal errors have
 * exit status 3 and keep their stack trace.
 */
class BadInputTest {
    private static final String PASSING = """
        {"name": "passing", "era": ["v6.13", "latest"], "arena": {"max_entries": 2, "map_extra": "0x1000_0000_0000"},
         "steps": [{"op": "kfunc", "name": "alloc_pages", "page_cnt": 1, "expect": {"ret": "base"}}]}""";

    private static MainTest.Run run(String... args) {
        return MainTest.run(args);
    }

    @Test
    void aHugeExpressionIsALocatedErrorAndTheOtherScenariosStillRun(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a.json"), PASSING);
        Files.writeString(dir.resolve("deep.json"), "{\"name\": \"deep\", \"era\": \"v6.13\", \"arena\": {\"max_entries\": 1},\n"
            + " \"steps\": [{\"op\": \"read\", \"addr\": \"" + "(".repeat(5000) + "base" + ")".repeat(5000) + "\"}]}");
        Files.writeString(dir.resolve("long.json"), "{\"name\": \"long\", \"era\": \"v6.13\", \"arena\": {\"max_entries\": 1},\n"
            + " \"steps\": [{\"op\": \"read\", \"addr\": \"base" + "+1".repeat(50_000) + "\"}]}");
        MainTest.Run r = run("replay", dir.toString());
        assertEquals(2, r.status(), r.err() + r.out());
        assertTrue(r.err().contains("deep.json:2:136: bad expression") && r.err().contains("nested more than 100 levels"), r.err());
        assertTrue(r.err().contains("long.json:2:2039: bad expression") && r.err().contains("more than 1000 numbers and names"), r.err());
        assertFalse(r.err().contains("StackOverflowError") || r.err().contains("internal error"), r.err());
        assertTrue(r.out().contains("2 run(s): 2 passed"), r.out());
    }

    @Test
    void aJsonReportIntoAMissingFolderIsAnErrorAndTheJunitReportIsStillWritten(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("p.json"), PASSING);
        Path json = dir.resolve("no/such/folder/r.json"), junit = dir.resolve("r.xml");
        MainTest.Run r = run("replay", "--json", json.toString(), "--junit", junit.toString(), dir.resolve("p.json").toString());
        assertEquals(2, r.status(), r.err() + r.out());
        assertTrue(r.err().contains("arena-emu: cannot write the JSON report " + json + ": the folder " + json.getParent() + " does not exist"), r.err());
        assertFalse(r.err().contains("internal error") || r.err().contains("\tat "), r.err());
        assertTrue(r.out().contains("2 run(s): 2 passed"), "the results are still printed: " + r.out());
        assertEquals(2, Files.readString(junit).split("<testcase ", -1).length - 1, "the other report is written");
    }

    @Test
    void aJunitReportOntoADirectoryIsAnErrorAndTheJsonReportIsStillWritten(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("p.json"), PASSING);
        Path json = dir.resolve("r.json"), junit = dir.resolve("reports");
        Files.createDirectories(junit);
        MainTest.Run r = run("sweep", "--jobs", "1", "--json", json.toString(), "--junit", junit.toString(), dir.resolve("p.json").toString());
        assertEquals(2, r.status(), r.err() + r.out());
        assertTrue(r.err().contains("arena-emu: cannot write the JUnit report " + junit + ": it is a directory"), r.err());
        assertTrue(Files.readString(json).contains("\"status\" : \"PASS\""));
    }

    @Test
    void aReportUnderAFileIsAnErrorNamingIt(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("p.json"), PASSING);
        Path json = dir.resolve("p.json/r.json");
        MainTest.Run r = run("replay", "--json", json.toString(), dir.resolve("p.json").toString());
        assertEquals(2, r.status(), r.err() + r.out());
        assertTrue(r.err().contains("arena-emu: cannot write the JSON report " + json + ": " + dir.resolve("p.json") + " is not a folder"), r.err());
    }

    @Test
    void anEraNoScenarioListsIsBadInput(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("p.json"), PASSING);
        MainTest.Run r = run("replay", "--era", "v7.0", dir.toString());
        assertEquals(2, r.status(), r.err() + r.out());
        assertTrue(r.err().contains("--era v7.0 selects nothing: no scenario read from [" + dir + "] lists that era"), r.err());
        r = run("sweep", "--era", "v7.0", dir.toString());
        assertEquals(2, r.status(), r.err() + r.out());
    }

    @Test
    void aScenarioPastItsProcessLimitIsStatusLimitExit2AndTheOthersStillRun(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a.json"), PASSING);
        Files.writeString(dir.resolve("forks.json"), """
            {"name": "forks", "era": "v6.13", "arena": {"max_entries": 1},
             "steps": [{"op": "fork", "child": "A"}, {"op": "fork", "child": "B"}, {"op": "fork", "child": "C"}]}""");
        Path json = dir.resolve("r.json"), junit = dir.resolve("r.xml");
        MainTest.Run r = run("replay", "--process-limit", "2", "--json", json.toString(), "--junit", junit.toString(), dir.toString());
        assertEquals(2, r.status(), r.err() + r.out());
        assertTrue(r.out().contains("LIMIT forks [v6.13]") && r.out().contains("step 1 (fork) at ")
            && r.out().contains("more than the process limit of 2 (--process-limit)"), r.out());
        assertTrue(r.out().contains("3 run(s): 2 passed, 0 failed, 0 errors, 1 stopped by limits"), r.out());
        assertTrue(Files.readString(json).contains("\"status\" : \"LIMIT\""));
        String xml = Files.readString(junit);
        assertTrue(xml.contains("errors=\"1\"") && xml.contains("<error message=\"step 1 (fork) at "), xml);
        assertEquals(2, run("replay", "--process-limit", "0", dir.toString()).status(), "a usage error");
        assertEquals(2, run("replay", "--time-limit", "0", dir.toString()).status(), "a usage error");
    }

    @Test
    void internalErrorsHaveTheirOwnExitStatusAndKeepTheStackTrace(@TempDir Path dir) throws Exception {
        Outcome internal = new Outcome("s", "s.json", Era.V6_13, "replay", Outcome.Status.INTERNAL, List.of(), List.of(), List.of(),
            "internal error at step 2: java.lang.IllegalStateException: boom", List.of(), 2, Map.of(), 0, 0, List.of(),
            "java.lang.IllegalStateException: boom\n\tat dev.arenaemu.X.y(X.java:1)");
        Outcome failed = internal.withStatus(Outcome.Status.FAIL, List.of());
        Scenarios.Loaded loaded = new Scenarios.Loaded(List.of(), 1, 0);
        assertEquals(Main.INTERNAL_ERROR, Scenarios.status(loaded, List.of(failed, internal), true), "3 wins over 2 and 1");
        assertEquals(Main.BAD_INPUT, Scenarios.status(loaded, List.of(failed), true));
        assertEquals(Main.INTERNAL_ERROR, Scenarios.status(new Scenarios.Loaded(List.of(), 0, 1), List.of(), true), "the reader failed on a file");
        Path json = dir.resolve("r.json");
        JsonReport.write(json, List.of(internal));
        String text = Files.readString(json);
        assertTrue(text.contains("\"status\" : \"INTERNAL\"") && text.contains("\"stack_trace\" : \"java.lang.IllegalStateException: boom\\n\\tat dev.arenaemu.X.y(X.java:1)\""), text);
    }
}
