package dev.arenaemu.scenarios.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `sweep --jobs N` (issue 6): the printed runs, the table, the summary and the reports do not depend on N. */
class SweepJobsTest {
    /** Run wall times are the one thing allowed to differ. */
    private static String withoutTimings(String text) {
        return text.replaceAll("\\d+ steps, [0-9.]+ ms", "N steps, T ms").replaceAll("\"millis\" : [0-9.E-]+", "\"millis\" : T");
    }

    private static String sweep(Path dir, String jobs) throws Exception {
        Path json = dir.resolve("sweep-" + jobs + ".json");
        MainTest.Run r = MainTest.run("sweep", "--jobs", jobs, "--verbose", "--random", "2", "--json", json.toString(),
            "corpus/13-01-minimal-arena.json", "corpus/12-1-basic-alloc1.json");
        assertEquals(0, r.status(), r.out() + r.err());
        return withoutTimings(r.out()) + withoutTimings(Files.readString(json));
    }

    @Test
    void outputAndJsonReportAreTheSameForOneAndTwoJobs(@TempDir Path dir) throws Exception {
        String one = sweep(dir, "1");
        assertTrue(one.contains("fail arena_struct #1") && one.contains("random 10% seed "), one);
        assertEquals(one, sweep(dir, "2"));
    }

    @Test
    void jobsBelowOneIsAUsageError() {
        MainTest.Run r = MainTest.run("sweep", "--jobs", "0", "corpus/13-01-minimal-arena.json");
        assertEquals(2, r.status(), r.out() + r.err());
        assertTrue(r.err().contains("--jobs must be at least 1"), r.err());
    }
}
