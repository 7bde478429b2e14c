package dev.arenaemu.scenarios.replay;

import dev.arenaemu.scenarios.check.Violation;
import dev.arenaemu.scenarios.format.Era;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The result of one replay (or one sweep run) of one scenario in one era.
 *
 * @param run           "replay", or the sweep run's name such as "fail page_alloc #3"
 * @param kernelReports what the kernel model reported (WARN, use-after-free, dangling VMA)
 * @param error         why the replay stopped early: bad input found while replaying (status
 *                      ERROR), a limit reached (LIMIT), a model inconsistency (FAIL) or a bug
 *                      of arena-emu itself (INTERNAL); null if it ran to the end
 * @param stackTrace    for status INTERNAL, the Java stack trace of the exception; else null
 * @param trace         the deterministic per-step trace
 * @param siteHits      how often each fault-injection site was reached
 * @param injected      how many failures were injected
 * @param nanos         wall time, for reports only (never part of the trace)
 * @param effects       every executed step, in order, as the sweep compares runs
 */
public record Outcome(String scenario, String file, Era era, String run, Status status, List<Mismatch> mismatches,
                      List<Violation> violations, List<String> kernelReports, String error, List<String> trace, int steps,
                      Map<String, Long> siteHits, int injected, long nanos, List<StepEffect> effects, String stackTrace) {
    /**
     * PASS; FAIL (mismatch, broken invariant, kernel report: exit 1); ERROR (the scenario cannot
     * be replayed as written: exit 2); LIMIT (it went past a {@link Limits} budget: exit 2);
     * INTERNAL (arena-emu itself failed: exit 3).
     */
    public enum Status { PASS, FAIL, ERROR, LIMIT, INTERNAL }

    public Outcome(String scenario, String file, Era era, String run, Status status, List<Mismatch> mismatches,
                   List<Violation> violations, List<String> kernelReports, String error, List<String> trace, int steps,
                   Map<String, Long> siteHits, int injected, long nanos, List<StepEffect> effects) {
        this(scenario, file, era, run, status, mismatches, violations, kernelReports, error, trace, steps, siteHits, injected, nanos, effects, null);
    }

    public boolean passed() {
        return status == Status.PASS;
    }

    /** "13-35-sequential-alloc [v6.13]" plus the sweep run name when it is not a plain replay. */
    public String title() {
        return scenario + " [" + era + "]" + (run.equals("replay") ? "" : " " + run);
    }

    /** Every reason this run did not pass, one per entry. */
    public List<String> problems() {
        List<String> out = new ArrayList<>();
        if (error != null) out.add(error);
        if (stackTrace != null) out.add(stackTrace);
        for (String k : kernelReports) out.add("kernel reported: " + k);
        for (Mismatch m : mismatches) out.add(m.describe());
        for (Violation v : violations) out.add(v.describe());
        return out;
    }

    /** The same run judged differently (the sweep judges by invariants, not by expectations). */
    public Outcome withStatus(Status newStatus, List<Mismatch> keptMismatches) {
        return new Outcome(scenario, file, era, run, newStatus, keptMismatches, violations, kernelReports, error, trace, steps, siteHits, injected, nanos, effects, stackTrace);
    }

    /**
     * The same run without its trace and step effects: what reports and tables need. A sweep
     * keeps thousands of passing runs until its reports are written, and one trace of an
     * arena-wide allocation holds thousands of lines.
     */
    public Outcome summary() {
        return new Outcome(scenario, file, era, run, status, mismatches, violations, kernelReports, error, List.of(), steps, siteHits, injected, nanos, List.of(), stackTrace);
    }
}
