package dev.arenaemu.scenarios.replay;

import dev.arenaemu.scenarios.check.Violation;
import dev.arenaemu.scenarios.format.Era;

import java.util.List;

/**
 * The result of one replay (or one sweep run) of one scenario in one era.
 *
 * @param run     "replay", or the sweep run's name such as "fail page_alloc #3"
 * @param error   an internal error (model exception, budget exhausted), null if none
 * @param trace   the deterministic per-step trace
 * @param nanos   wall time, for reports only (never part of the trace)
 */
public record Outcome(String scenario, String file, Era era, String run, Status status, List<Mismatch> mismatches,
                      List<Violation> violations, String error, List<String> trace, int steps, long nanos) {
    public enum Status { PASS, FAIL, ERROR }

    public boolean passed() {
        return status == Status.PASS;
    }

    /** "13-35-sequential-alloc [v6.13]" plus the sweep run name when it is not a plain replay. */
    public String title() {
        return scenario + " [" + era + "]" + (run.equals("replay") ? "" : " " + run);
    }

    /** Every reason this run did not pass, one per entry. */
    public List<String> problems() {
        java.util.ArrayList<String> out = new java.util.ArrayList<>();
        if (error != null) out.add(error);
        for (Mismatch m : mismatches) out.add(m.describe());
        for (Violation v : violations) out.add(v.describe());
        return out;
    }
}
