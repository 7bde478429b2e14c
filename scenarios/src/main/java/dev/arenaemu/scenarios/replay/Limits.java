package dev.arenaemu.scenarios.replay;

import java.time.Duration;

/**
 * What one replay of one scenario may use, on top of the per-CPU-run budgets (instructions,
 * time, faults) and the fixed 1 GiB of emulated RAM: wall-clock time and live processes. Every
 * emulated process owns a Unicorn engine of its own, which costs host memory (a few MB each), so
 * the process limit is what bounds a scenario's host memory. Going past a limit stops the replay
 * with status LIMIT, naming the limit and the step; the runs before and after are unaffected.
 * The Java heap (-Xmx) is the last budget: a run that exhausts it stops with status LIMIT too
 * (the {@link Replayer} catches the OutOfMemoryError and drops what the run held).
 *
 * @param wallClock  from the start of the replay to the start of each step (a step already
 *                   running is bounded by its own CPU budgets, teardown still runs)
 * @param processes  processes alive at once (the initial ones and every fork's child)
 */
public record Limits(Duration wallClock, int processes) {
    public static final Duration DEFAULT_WALL_CLOCK = Duration.ofSeconds(60);
    public static final int DEFAULT_PROCESSES = 64;
    public static final Limits DEFAULT = new Limits(DEFAULT_WALL_CLOCK, DEFAULT_PROCESSES);

    /** "60 s", or "250 ms" below a second. */
    public static String describe(Duration d) {
        return d.toMillis() >= 1000 && d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    public Limits {
        if (wallClock.isNegative() || wallClock.isZero()) throw new IllegalArgumentException("wall-clock limit must be positive: " + wallClock);
        if (processes < 1) throw new IllegalArgumentException("process limit must be at least 1: " + processes);
    }
}
