package dev.arenaemu.emulator.cpu;

/**
 * Limits for one run: instructions, wall-clock time, handled faults. Runaway guest code ends with
 * {@link RunResult.BudgetExhausted} instead of hanging. A zero wall budget means none
 * (single-instruction accesses use that: they cannot loop, and a timer costs a thread per run).
 *
 * <p>The instruction budget is spent by charges that native hooks make before instructions run
 * ({@link Cpu}): every instruction outside the module area costs 1 (user code, the machine's
 * stubs), so there the budget is exactly an instruction count. Code in the module area
 * ({@link Machine#MODULES_VADDR}, where BPF JIT text lives) is charged only at the points its
 * owner names with {@link Cpu#chargeAt}, each with its own weight: a JIT charges a program's loop
 * heads and function entries with the longest straight run of BPF instructions that can follow
 * them, so that its images stay the kernel's bytes and run without a hook per instruction. The
 * budget is deterministic either way: the same code charges the same amounts.
 */
public record Budget(long instructions, long wallMicros, long faults) {
    public static final Budget DEFAULT = new Budget(50_000_000L, 10_000_000L, 2_000_000L);
    /** For a few instructions that cannot loop: no timer thread. */
    public static final Budget SHORT = new Budget(10_000L, 0, 1_000L);

    public Budget {
        if (instructions <= 0 || wallMicros < 0 || faults <= 0) throw new IllegalArgumentException("budget must be positive");
    }
}
