package dev.arenaemu.user;

import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.emulator.cpu.Cpu;
import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.emulator.cpu.RunResult;
import dev.arenaemu.emulator.cpu.Stubs;
import dev.arenaemu.emulator.x86.X86Reg;
import dev.arenaemu.kernel.arena.Arena;

import java.util.OptionalLong;

/**
 * What a BPF program's arena loads and stores come down to, for tests that run no program: CPL0
 * 8-byte accesses on the kernel CPU at the arena's kernel address K(x) = kern_vm_start + lo32(x),
 * through the kernel page table (an unpopulated page faults and the access is reported absent).
 */
final class KernelAccess {
    private static final byte[] LOAD64 = {0x48, (byte) 0x8B, 0x07};    // mov rax, [rdi]
    private static final byte[] STORE64 = {0x48, (byte) 0x89, 0x37};   // mov [rdi], rsi

    private final Cpu cpu;
    private final Arena arena;
    private final Stubs.Stub load, store;

    KernelAccess(Machine machine, Arena arena) {
        this.cpu = machine.kernelCpu();
        this.arena = arena;
        this.load = machine.stubs().kernel(LOAD64);
        this.store = machine.stubs().kernel(STORE64);
    }

    /** The value at user address {@code uaddr} as the kernel sees it, or empty if the kernel page is absent. */
    OptionalLong read(long uaddr) {
        cpu.reg(X86Reg.RDI, arena.kernelAddress(uaddr));
        RunResult r = cpu.run(load.address(), load.end(), Budget.SHORT);
        return r instanceof RunResult.Returned ? OptionalLong.of(cpu.reg(X86Reg.RAX)) : OptionalLong.empty();
    }

    /** Stores through the kernel mapping; false if the kernel page is absent. */
    boolean write(long uaddr, long value) {
        cpu.reg(X86Reg.RDI, arena.kernelAddress(uaddr));
        cpu.reg(X86Reg.RSI, value);
        return cpu.run(store.address(), store.end(), Budget.SHORT) instanceof RunResult.Returned;
    }
}
