package dev.arenaemu.scenarios.shard;

import dev.arenaemu.scenarios.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --shard K/N} and {@code merge} (docs/sharding.md): the shards of a replay or a sweep
 * split its runs, each run into exactly one shard, and their merged JSON and JUnit reports are
 * the unsharded run's, byte for byte once timings are blanked out.
 */
class ShardingTest {
    /** Scenarios whose sweeps reach many sites (creation, fault, alloc, free, programs, two arenas). */
    private static final List<String> SWEPT = List.of("corpus/13-01-minimal-arena.json", "corpus/12-1-basic-alloc1.json",
        "corpus/13-09-creation-injection.v6.13-v7.0.json", "corpus/13-31-fault-page-alloc-failure.v6.9-v7.0.json",
        "corpus/13-46-multi-page-free-with-holes.json", "corpus/13-62-globals-at-offset-zero.v6.9-v6.13.json", "corpus/13-e2e-two-arenas.json");

    record Run(int status, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int status = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(status, out.toString(), err.toString());
    }

    /** The report with its timings blanked: "millis" in JSON, time="..." in JUnit. */
    static String untimed(Path report) throws Exception {
        return Files.readString(report).replaceAll("\"millis\" : [0-9.E-]+", "\"millis\" : 0").replaceAll(" time=\"[0-9.]+\"", " time=\"0\"");
    }

    static List<String> seqs(Path json) throws Exception {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("\"seq\" : ([0-9]+)").matcher(Files.readString(json));
        while (m.find()) out.add(m.group(1));
        return out;
    }

    private void shardedEqualsUnsharded(Path dir, List<String> command, int shards) throws Exception {
        List<String> whole = new ArrayList<>(command.subList(0, 1));
        whole.addAll(List.of("--json", dir.resolve("all.json").toString(), "--junit", dir.resolve("all.xml").toString()));
        whole.addAll(command.subList(1, command.size()));
        Run all = run(whole.toArray(String[]::new));
        assertEquals(0, all.status(), all.out() + all.err());

        List<String> mergeArgs = new ArrayList<>(List.of("merge", "--json", dir.resolve("merged.json").toString(), "--junit", dir.resolve("merged.xml").toString()));
        Set<String> seen = new HashSet<>();
        int total = 0;
        for (int k = 1; k <= shards; k++) {
            Path json = dir.resolve("shard" + k + ".json"), xml = dir.resolve("shard" + k + ".xml");
            List<String> args = new ArrayList<>(command.subList(0, 1));
            args.addAll(List.of("--shard", k + "/" + shards, "--json", json.toString(), "--junit", xml.toString()));
            args.addAll(command.subList(1, command.size()));
            Run r = run(args.toArray(String[]::new));
            assertEquals(0, r.status(), r.out() + r.err());
            List<String> mine = seqs(json);
            assertTrue(!mine.isEmpty(), "shard " + k + "/" + shards + " got no runs");
            for (String s : mine) assertTrue(seen.add(s), "run seq " + s + " in two shards");
            total += mine.size();
            assertTrue(Files.readString(json).contains("\"shard\" : \"" + k + "/" + shards + "\""));
            assertTrue(Files.readString(xml).contains("shard=\"" + k + "/" + shards + "\""));
            mergeArgs.add(json.toString());
            mergeArgs.add(xml.toString());
        }
        assertEquals(seqs(dir.resolve("all.json")).size(), total, "the shards hold every run once");
        assertNotEquals(untimed(dir.resolve("all.json")), untimed(dir.resolve("shard1.json")), "a shard is not the whole run");

        Run merged = run(mergeArgs.toArray(String[]::new));
        assertEquals(0, merged.status(), merged.out() + merged.err());
        assertEquals(untimed(dir.resolve("all.json")), untimed(dir.resolve("merged.json")));
        assertEquals(untimed(dir.resolve("all.xml")), untimed(dir.resolve("merged.xml")));
    }

    @Test
    void fourShardedReplaysOfTheCorpusMergeIntoTheUnshardedReport(@TempDir Path dir) throws Exception {
        shardedEqualsUnsharded(dir, List.of("replay", "corpus"), 4);
    }

    @Test
    void fourShardedSweepsMergeIntoTheUnshardedReport(@TempDir Path dir) throws Exception {
        List<String> command = new ArrayList<>(List.of("sweep", "--jobs", "2", "--random", "3"));
        command.addAll(SWEPT);
        shardedEqualsUnsharded(dir, command, 4);
    }

    @Test
    void shardsDoNotDependOnTheOtherRunsOrTheirOrder() {
        // The shard of a run is a function of its id alone, the same on every machine (SHA-256).
        int[] counts = new int[5];
        for (int i = 0; i < 4000; i++) counts[Shard.shardOf(Shard.id("scenario-" + i, "v6.13", "fail page_alloc #" + i), 4)]++;
        assertEquals(0, counts[0]);
        for (int k = 1; k <= 4; k++) assertTrue(counts[k] > 850 && counts[k] < 1150, "shard " + k + " got " + counts[k] + " of 4000");
        assertEquals(Shard.shardOf("13-35-sequential-alloc\u0000v6.13\u0000replay", 4), Shard.shardOf(Shard.id("13-35-sequential-alloc", "v6.13", "replay"), 4));
        // Pinned, computed outside Java: printf '13-35-sequential-alloc\0v6.13\0replay' | sha256sum -> first 16 hex digits mod 4 = 3.
        // A change here reshuffles every CI matrix.
        assertEquals(4, Shard.shardOf(Shard.id("13-35-sequential-alloc", "v6.13", "replay"), 4));
    }

    @Test
    void mergeRefusesReportsThatDoNotAddUpToOneRun(@TempDir Path dir) throws Exception {
        for (int k = 1; k <= 3; k++) {
            Run r = run("replay", "--shard", k + "/3", "--json", dir.resolve("s" + k + ".json").toString(), "corpus/13-01-minimal-arena.json",
                "corpus/13-35-sequential-alloc.json", "corpus/12-1-basic-alloc1.json");
            assertEquals(0, r.status(), r.out() + r.err());
        }
        String out = dir.resolve("m.json").toString(), s1 = dir.resolve("s1.json").toString(), s2 = dir.resolve("s2.json").toString(),
            s3 = dir.resolve("s3.json").toString();
        Run missing = run("merge", "--json", out, s1, s2);
        assertEquals(2, missing.status());
        assertTrue(missing.err().contains("shard(s) [3] of 3 missing"), missing.err());
        Run twice = run("merge", "--json", out, s1, s2, s2, s3);
        assertEquals(2, twice.status());
        assertTrue(twice.err().contains("again"), twice.err());
        assertEquals(2, run("replay", "--shard", "5/4", "corpus/13-01-minimal-arena.json").status(), "K > N is a usage error");
        assertEquals(2, run("replay", "--shard", "x", "corpus/13-01-minimal-arena.json").status(), "not K/N");
        Run ok = run("merge", "--json", out, s3, s1, s2);
        assertEquals(0, ok.status(), ok.err());
        assertTrue(ok.out().contains("21 run(s): 21 passed"), ok.out());   // three scenarios, five eras and two profiles each
    }
}
