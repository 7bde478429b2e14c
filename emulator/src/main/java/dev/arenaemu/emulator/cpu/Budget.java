package dev.arenaemu.emulator.cpu;

/**
 * Limits for one run: instructions executed, wall-clock time, handled faults. Runaway guest code
 * ends with {@link RunResult.BudgetExhausted} instead of hanging. A zero wall budget means none
 * (single-instruction accesses use that: they cannot loop, and a timer costs a thread per run).
 */
public record Budget(long instructions, long wallMicros, long faults) {
    public static final Budget DEFAULT = new Budget(50_000_000L, 10_000_000L, 2_000_000L);
    /** For a few instructions that cannot loop: no timer thread. */
    public static final Budget SHORT = new Budget(10_000L, 0, 1_000L);

    public Budget {
        if (instructions <= 0 || wallMicros < 0 || faults <= 0) throw new IllegalArgumentException("budget must be positive");
    }
}
