package dev.arenaemu.kernel.bpf;

import dev.arenaemu.emulator.cpu.Cpu;
import dev.arenaemu.emulator.trap.FaultHandler;
import dev.arenaemu.emulator.trap.FaultResolution;
import dev.arenaemu.emulator.trap.PageFault;
import dev.arenaemu.kernel.arena.Arena;
import dev.arenaemu.kernel.bpf.jit.ArenaViolationReport;
import dev.arenaemu.kernel.bpf.jit.JitFaultHandler;
import dev.arenaemu.kernel.bpf.jit.JitRuntime;

import java.util.function.Supplier;

/**
 * The kernel CPU's page-fault handler, in the order of arch/x86/mm/fault.c's
 * {@code kernelmode_fixup_or_oops}: first the exception table ({@code fixup_exception} →
 * {@code ex_handler_bpf}: arena accesses of JIT'd code, see {@link JitFaultHandler}); then, for a
 * fault of kernel code that has no fixup, the E5 arena recovery ({@code bpf_arena_handle_page_fault}:
 * while a program bound to an arena runs, an empty PTE inside the arena's kernel range gets the
 * scratch page and the access is retried, reported to the program's stderr); anything else is
 * delivered, i.e. an oops the caller turns into {@link TestRunResult.Oops}.
 */
public final class KernelFaultDispatch implements FaultHandler {
    private final JitFaultHandler extable;
    private final Supplier<BpfProg> running;

    /** @param running the program on the kernel CPU's stack, or null between runs */
    KernelFaultDispatch(JitRuntime runtime, Supplier<BpfProg> running) {
        this.running = running;
        this.extable = new JitFaultHandler(runtime, this::withoutFixup);
    }

    @Override
    public FaultResolution onPageFault(PageFault fault, Cpu cpu) {
        return extable.onPageFault(fault, cpu);
    }

    private FaultResolution withoutFixup(PageFault fault, Cpu cpu) {
        if (fault.cpl() != 0) return FaultResolution.DELIVER;
        BpfProg prog = running.get();
        Arena arena = prog == null ? null : prog.arena().orElse(null);
        if (arena == null || arena.isFreed() || !arena.handleKernelFault(fault.address())) return FaultResolution.DELIVER;
        long user = (arena.userVmStart() & ~0xFFFF_FFFFL) + (fault.address() - arena.kernVmStart());
        prog.report(ArenaViolationReport.line(fault.write(), user)
            + String.format("\nkernel access at rip 0x%x: scratch page installed", fault.rip()));
        return FaultResolution.RETRY;
    }
}
