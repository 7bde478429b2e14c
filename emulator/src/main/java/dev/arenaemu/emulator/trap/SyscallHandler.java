package dev.arenaemu.emulator.trap;

import dev.arenaemu.emulator.cpu.Cpu;

/** Receives a {@code syscall} executed by guest code; RAX and the argument registers are live. */
@FunctionalInterface
public interface SyscallHandler {
    enum Action { RESUME, EXIT }

    Action onSyscall(Cpu cpu);

    /** Treats every syscall as exit(rdi). */
    SyscallHandler EXIT_ALL = cpu -> Action.EXIT;
}
