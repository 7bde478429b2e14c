package dev.arenaemu.user.exec;

import dev.arenaemu.emulator.cpu.Cpu;
import dev.arenaemu.emulator.trap.FaultHandler;
import dev.arenaemu.emulator.trap.SyscallHandler;
import dev.arenaemu.user.mm.Mm;

/**
 * One user-side operation of a process on one of the machine's CPUs: the CPU loads the process's
 * root (switch_mm, {@link Mm#switchTo}), takes the process's fault and syscall handlers (its
 * do_user_addr_fault and syscall table) and, for user code, drops to CPL3. {@link #close} puts
 * the CPU back at CPL0 with the kernel's handlers; the process's root stays loaded (lazy TLB:
 * kernel work that follows runs under it, as in the kernel), so the CPU stays in the mm's
 * cpumask until it loads another root.
 */
public final class OnCpu implements AutoCloseable {
    private final Cpu cpu;
    private final FaultHandler kernelFaults;
    private final SyscallHandler kernelSyscalls;
    private final boolean user;

    private OnCpu(Mm mm, Cpu cpu, FaultHandler faults, SyscallHandler syscalls, boolean user) {
        if (cpu.inUserMode()) throw new IllegalStateException("CPU " + cpu.index() + " is already running user code");
        mm.switchTo(cpu);
        this.cpu = cpu;
        this.kernelFaults = cpu.faultHandler();
        this.kernelSyscalls = cpu.syscallHandler();
        this.user = user;
        if (user) cpu.enterUserMode();
        cpu.setFaultHandler(faults);
        cpu.setSyscallHandler(syscalls);
    }

    /** {@code mm}'s code at CPL3 on {@code cpu}. */
    public static OnCpu user(Mm mm, Cpu cpu, FaultHandler faults, SyscallHandler syscalls) {
        return new OnCpu(mm, cpu, faults, syscalls, true);
    }

    /** Kernel work at CPL0 on {@code mm}'s behalf (uaccess): its root, its fault path. */
    public static OnCpu kernel(Mm mm, Cpu cpu, FaultHandler faults) {
        return new OnCpu(mm, cpu, faults, SyscallHandler.EXIT_ALL, false);
    }

    public Cpu cpu() { return cpu; }

    @Override
    public void close() {
        if (user) cpu.enterKernelMode();
        cpu.setFaultHandler(kernelFaults);
        cpu.setSyscallHandler(kernelSyscalls);
    }
}
