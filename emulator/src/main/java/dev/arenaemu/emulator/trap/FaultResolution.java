package dev.arenaemu.emulator.trap;

import dev.arenaemu.emulator.x86.X86Reg;

/** What a fault handler decided; the CPU applies it before resuming (or stopping). */
public sealed interface FaultResolution {
    /** A mapping was installed: re-execute the faulting instruction. */
    record Retry() implements FaultResolution {}

    /**
     * An exception-table fixup: resume at {@code resumeRip}; zero the whole 64-bit
     * {@code zeroRegister} first unless it is null (stores and atomics clear nothing).
     */
    record Fixup(long resumeRip, X86Reg zeroRegister) implements FaultResolution {}

    /** Stop here: the fault goes to the caller as a signal-like result. */
    record Deliver() implements FaultResolution {}

    FaultResolution RETRY = new Retry();
    FaultResolution DELIVER = new Deliver();
}
