package dev.arenaemu.scenarios.check;

/** A broken invariant, found after step {@code step} (-1: after setup; Integer.MAX_VALUE: after teardown). */
public record Violation(Invariant invariant, int step, String detail) {
    public String describe() {
        String when = step == Integer.MAX_VALUE ? "after teardown" : step < 0 ? "after setup" : "after step " + step;
        return "invariant " + invariant.label + " broken " + when + ": " + detail;
    }
}
