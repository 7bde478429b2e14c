package dev.arenaemu.kernel.bpf.jit;

import dev.arenaemu.emulator.cpu.Cpu;
import dev.arenaemu.emulator.x86.X86Reg;
import dev.arenaemu.emulator.trap.FaultHandler;
import dev.arenaemu.emulator.trap.FaultResolution;
import dev.arenaemu.emulator.trap.PageFault;

/**
 * Kernel-mode fault dispatch for JIT code: the path {@code kernelmode_fixup_or_oops} →
 * {@code fixup_exception} → {@code ex_handler_bpf} (docs/semantics.md#exception-table). A CPL0 fault whose RIP has an
 * exception-table entry in a loaded program is fixed up: a load's destination register is zeroed
 * (all 64 bits), stores and atomics are skipped. From v6.18 on ({@link JitOptions#reportsArenaFaults()})
 * the access is also reported to the program's stderr; before, the fixup is silent.
 * Every other fault goes to {@code fallback} (by default: delivered, i.e. an oops).
 */
public final class JitFaultHandler implements FaultHandler {
    private final JitRuntime runtime;
    private final FaultHandler fallback;

    public JitFaultHandler(JitRuntime runtime, FaultHandler fallback) {
        this.runtime = runtime;
        this.fallback = fallback;
    }

    @Override
    public FaultResolution onPageFault(PageFault fault, Cpu cpu) {
        if (fault.cpl() != 0) return fallback.onPageFault(fault, cpu);
        LoadedProgram program = runtime.programAt(fault.rip());
        if (program == null) return fallback.onPageFault(fault, cpu);
        ExceptionTableEntry entry = program.exceptionEntry(fault.rip()).orElse(null);
        if (entry == null) return fallback.onPageFault(fault, cpu);
        JitOptions options = program.image().options();
        if (options.reportsArenaFaults()) {
            long pointer = cpu.reg(X86Reg.gpr(entry.pointerRegister()));
            long user = ArenaViolationReport.userAddress(pointer, entry.off(), options.userVmStart());
            program.reportToStderr(ArenaViolationReport.line(entry.isWrite(), user) + "\nCall trace:\n  "
                + String.format("%s+0x%x/0x%x (insn %d)", program.name(), entry.insnOffset(), program.image().code().length, entry.bpfInsnIndex()));
        }
        X86Reg clear = entry.clears() ? X86Reg.gpr(entry.clearRegister()) : null;
        return new FaultResolution.Fixup(fault.rip() + entry.length(), clear);
    }
}
