package dev.arenaemu.scenarios.report;

import dev.arenaemu.scenarios.replay.Outcome;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * JUnit XML (the Ant/Surefire dialect CI servers read): one testcase per scenario replay and
 * per sweep run; failures carry the mismatch text, internal errors are {@code <error>}.
 */
public final class JunitReport {
    private JunitReport() {}

    public static void write(Path file, String suite, List<Outcome> outcomes) throws IOException {
        long failures = outcomes.stream().filter(o -> o.status() == Outcome.Status.FAIL).count();
        long errors = outcomes.stream().filter(o -> o.status() != Outcome.Status.PASS && o.status() != Outcome.Status.FAIL).count();
        double seconds = outcomes.stream().mapToLong(Outcome::nanos).sum() / 1e9;
        StringBuilder x = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        x.append(String.format("<testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"0\" time=\"%.3f\">%n",
            esc(suite), outcomes.size(), failures, errors, seconds));
        for (Outcome o : outcomes) {
            x.append(String.format("  <testcase classname=\"%s\" name=\"%s\" time=\"%.3f\"",
                esc("scenarios." + o.era().label), esc(o.scenario() + (o.run().equals("replay") ? "" : " " + o.run())), o.nanos() / 1e9));
            if (o.passed()) {
                x.append("/>\n");
                continue;
            }
            // Bad input, a run stopped by its limits and internal errors are errors; only a failed scenario is a failure.
            String tag = o.status() == Outcome.Status.FAIL ? "failure" : "error";
            List<String> problems = o.problems();
            String first = problems.isEmpty() ? o.status().name() : problems.getFirst().lines().findFirst().orElse("");
            x.append(">\n    <").append(tag).append(" message=\"").append(esc(first)).append("\">")
                .append(esc(String.join("\n", problems))).append("</").append(tag).append(">\n  </testcase>\n");
        }
        x.append("</testsuite>\n");
        Files.writeString(file, x, StandardCharsets.UTF_8);
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
