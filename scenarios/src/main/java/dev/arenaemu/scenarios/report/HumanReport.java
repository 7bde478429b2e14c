package dev.arenaemu.scenarios.report;

import dev.arenaemu.scenarios.replay.Outcome;

import java.io.PrintStream;
import java.util.List;

/** The terminal summary: one line per run, details of every failure, then the totals. */
public final class HumanReport {
    private HumanReport() {}

    public static void line(PrintStream out, Outcome o) {
        out.printf("%-5s %s (%d steps, %.1f ms)%n", o.status(), o.title(), o.steps(), o.nanos() / 1e6);
        if (!o.passed()) for (String p : o.problems()) out.println(p.indent(6).stripTrailing());
    }

    public static void summary(PrintStream out, List<Outcome> outcomes) {
        summary(out, RunTally.of(outcomes));
    }

    public static void summary(PrintStream out, RunTally tally) {
        long limit = tally.count(Outcome.Status.LIMIT);
        long internal = tally.count(Outcome.Status.INTERNAL);
        out.printf("%d run(s): %d passed, %d failed, %d errors%s%s%n", tally.total(), tally.count(Outcome.Status.PASS),
            tally.count(Outcome.Status.FAIL), tally.count(Outcome.Status.ERROR),
            limit == 0 ? "" : ", " + limit + " stopped by limits", internal == 0 ? "" : ", " + internal + " internal errors");
    }
}
