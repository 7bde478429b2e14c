package dev.arenaemu.user.exec;

import dev.arenaemu.emulator.cpu.RunResult;
import dev.arenaemu.user.Signal;

/** How a piece of user execution (one access, a copy, a program) ended. */
public sealed interface UserResult {
    /** It completed; {@code value} is RAX (the loaded value for a load). */
    record Value(long value) implements UserResult {}

    /** The program called exit(status). */
    record Exited(long status) implements UserResult {}

    /** The kernel sent a signal (page fault, #UD, #GP, #DE ...) and the instruction did not complete. */
    record Signaled(Signal signal) implements UserResult {}

    /** A CPU exception no signal stands for (see {@link Signal#forTrap}) at {@code rip}. */
    record Trapped(int vector, long rip) implements UserResult {}

    /** The instruction, time or fault budget ran out at {@code rip}. */
    record OutOfBudget(RunResult.Limit limit, long rip) implements UserResult {}

    /** The value, or an exception naming how the run ended instead (for tests and tools). */
    default long value() {
        if (this instanceof Value v) return v.value();
        throw new IllegalStateException("no value: " + this);
    }
}
