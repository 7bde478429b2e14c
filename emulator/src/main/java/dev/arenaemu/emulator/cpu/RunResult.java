package dev.arenaemu.emulator.cpu;

import dev.arenaemu.emulator.trap.PageFault;

/** How a run ended. */
public sealed interface RunResult {
    /** Execution reached the {@code until} address. */
    record Returned(long rip) implements RunResult {}

    /** Guest code made a syscall the handler answered with EXIT; {@code status} is RDI. */
    record Exited(long status, long rip) implements RunResult {}

    /** A page fault the handler chose to deliver (the caller turns it into a signal). */
    record Delivered(PageFault fault) implements RunResult {}

    /** Any other CPU exception (vector 0 #DE, 6 #UD, 8 #DF, 13 #GP, ...). */
    record Trapped(int vector, long rip) implements RunResult {}

    enum Limit { INSTRUCTIONS, WALL_CLOCK, FAULTS }

    /** A budget ran out; {@code rip} is where the guest was stopped. */
    record BudgetExhausted(Limit limit, long rip) implements RunResult {}
}
