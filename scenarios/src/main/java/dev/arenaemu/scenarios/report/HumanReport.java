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
        long pass = outcomes.stream().filter(Outcome::passed).count();
        long fail = outcomes.stream().filter(o -> o.status() == Outcome.Status.FAIL).count();
        long error = outcomes.stream().filter(o -> o.status() == Outcome.Status.ERROR).count();
        long limit = outcomes.stream().filter(o -> o.status() == Outcome.Status.LIMIT).count();
        long internal = outcomes.stream().filter(o -> o.status() == Outcome.Status.INTERNAL).count();
        out.printf("%d run(s): %d passed, %d failed, %d errors%s%s%n", outcomes.size(), pass, fail, error,
            limit == 0 ? "" : ", " + limit + " stopped by limits", internal == 0 ? "" : ", " + internal + " internal errors");
    }
}
