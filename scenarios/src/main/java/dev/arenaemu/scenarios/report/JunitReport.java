package dev.arenaemu.scenarios.report;

import dev.arenaemu.scenarios.replay.Outcome;
import dev.arenaemu.scenarios.shard.Shard;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * JUnit XML (the Ant/Surefire dialect CI servers read): one testcase per scenario replay and
 * per sweep run; failures carry the mismatch text, internal errors are {@code <error>}. Each
 * testcase carries {@code seq}, its position in the unsharded run, and a shard's testsuite its
 * {@code shard="K/N"}: {@code arena-emu merge} puts shards' testcases back in that order.
 */
public final class JunitReport {
    private JunitReport() {}

    /**
     * One testcase as written.
     *
     * @param tag "failure", "error", or null for a passing run
     */
    public record Case(String classname, String name, double seconds, int seq, String tag, String message, String text) {}

    public static void write(Path file, String suite, List<Outcome> outcomes) throws IOException {
        write(file, suite, outcomes, IntStream.range(0, outcomes.size()).boxed().toList(), Shard.ALL);
    }

    /** @param seqs each outcome's position in the unsharded run; @param shard the shard these runs are */
    public static void write(Path file, String suite, List<Outcome> outcomes, List<Integer> seqs, Shard shard) throws IOException {
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < outcomes.size(); i++) cases.add(of(outcomes.get(i), seqs.get(i)));
        write(file, suite, cases, shard, outcomes.stream().mapToLong(Outcome::nanos).sum() / 1e9);
    }

    static Case of(Outcome o, int seq) {
        String name = o.scenario() + (o.run().equals("replay") ? "" : " " + o.run());
        if (o.passed()) return new Case("scenarios." + o.era().label, name, o.nanos() / 1e9, seq, null, null, null);
        // Bad input, a run stopped by its limits and internal errors are errors; only a failed scenario is a failure.
        String tag = o.status() == Outcome.Status.FAIL ? "failure" : "error";
        List<String> problems = o.problems();
        String first = problems.isEmpty() ? o.status().name() : problems.getFirst().lines().findFirst().orElse("");
        return new Case("scenarios." + o.era().label, name, o.nanos() / 1e9, seq, tag, first, String.join("\n", problems));
    }

    /** Writes the testcases in the given order (also what {@code merge} writes). */
    static void write(Path file, String suite, List<Case> cases, Shard shard, double seconds) throws IOException {
        long failures = cases.stream().filter(c -> "failure".equals(c.tag())).count();
        long errors = cases.stream().filter(c -> "error".equals(c.tag())).count();
        StringBuilder x = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        x.append(String.format("<testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"0\" time=\"%.3f\"%s>%n",
            attr(suite), cases.size(), failures, errors, seconds, shard.sharded() ? " shard=\"" + shard + "\"" : ""));
        for (Case c : cases) {
            x.append(String.format("  <testcase classname=\"%s\" name=\"%s\" time=\"%.3f\" seq=\"%d\"", attr(c.classname()), attr(c.name()), c.seconds(), c.seq()));
            if (c.tag() == null) {
                x.append("/>\n");
                continue;
            }
            x.append(">\n    <").append(c.tag()).append(" message=\"").append(attr(c.message())).append("\">")
                .append(esc(c.text())).append("</").append(c.tag()).append(">\n  </testcase>\n");
        }
        x.append("</testsuite>\n");
        Files.writeString(file, x, StandardCharsets.UTF_8);
    }

    /** An attribute value: also keeps tabs and line breaks, which XML parsers turn into spaces in attributes. */
    static String attr(String s) {
        return esc(s).replace("\t", "&#9;").replace("\n", "&#10;").replace("\r", "&#13;");
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&apos;");
                default -> {
                    // XML 1.0 forbids most control characters even when escaped.
                    if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') b.append('?');
                    else b.append(c);
                }
            }
        }
        return b.toString();
    }
}
