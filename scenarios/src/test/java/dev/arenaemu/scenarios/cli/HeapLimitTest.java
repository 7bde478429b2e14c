package dev.arenaemu.scenarios.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The memory budget: a scenario that exhausts the Java heap stops with status LIMIT naming the
 * scenario and the step, the runs after it still run and are reported, and the CLI exits with 2
 * as for the other budgets. The heap really runs out: the CLI runs in a JVM of its own with a
 * 96 MiB heap, and the scenario maps 60,000 arena pages, whose per-step snapshots, invariant
 * checks and checkpoint dumps (one trace line per kernel PTE) need far more than that.
 */
class HeapLimitTest {
    private static final String HUNGRY = """
        {"name": "hungry", "era": "v6.13", "arena": {"max_entries": 65536},
         "steps": [{"op": "mmap", "length": "256M", "expect": {"ret": "base"}},
                   {"op": "kfunc", "name": "alloc_pages", "page_cnt": 60000, "expect": {"ret": "base"}},
        """ + "{\"op\": \"checkpoint\"}, ".repeat(40) + """
                   {"op": "checkpoint"}]}""";
    private static final String PASSING = """
        {"name": "passing", "era": ["v6.13", "latest"], "arena": {"max_entries": 2, "map_extra": "0x1000_0000_0000"},
         "steps": [{"op": "kfunc", "name": "alloc_pages", "page_cnt": 1, "expect": {"ret": "base"}}]}""";

    @Test
    void aScenarioThatExhaustsTheHeapIsStatusLimitExit2AndTheOthersStillRun(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a-hungry.json"), HUNGRY);
        Files.writeString(dir.resolve("b-passing.json"), PASSING);
        Path json = dir.resolve("r.json"), junit = dir.resolve("r.xml"), out = dir.resolve("out.txt");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        // The test JVM's class path (with surefire, a jar whose manifest names every class folder and dependency).
        Process p = new ProcessBuilder(java.toString(), "-Xmx96m", "-Xss4m", "--enable-native-access=ALL-UNNAMED",
            "-cp", System.getProperty("java.class.path"), Main.class.getName(),
            "replay", "--json", json.toString(), "--junit", junit.toString(), dir.toString())
            .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the forked replay finished");
        String text = Files.readString(out);
        assertEquals(2, p.exitValue(), text);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("LIMIT hungry [v6.13] (")), text);
        assertTrue(text.contains(" (checkpoint) at " + dir.resolve("a-hungry.json") + ":")
            && text.contains(": Java heap exhausted (memory limit: the JVM's maximum heap of "), text);
        assertTrue(text.contains("PASS  passing [v6.13]") && text.contains("PASS  passing [latest]"), text);
        assertTrue(text.contains("3 run(s): 2 passed, 0 failed, 0 errors, 1 stopped by limits"), text);
        assertTrue(!text.contains("internal error") && !text.contains("java.lang.OutOfMemoryError"), text);
        String report = Files.readString(json);
        assertTrue(report.contains("\"status\" : \"LIMIT\"") && report.contains("Java heap exhausted"), report);
        assertEquals(2, report.split("\"status\" : \"PASS\"", -1).length - 1, report);
        String xml = Files.readString(junit);
        assertTrue(xml.contains("errors=\"1\"") && xml.contains("Java heap exhausted"), xml);
    }
}
