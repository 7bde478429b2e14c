package dev.arenaemu.kernel.arena;

import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.emulator.cpu.RunResult;
import dev.arenaemu.emulator.cpu.Stubs;
import dev.arenaemu.emulator.x86.X86Reg;
import dev.arenaemu.emulator.trap.FaultResolution;
import dev.arenaemu.emulator.trap.PageFault;
import dev.arenaemu.kernel.Capability;
import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.Kernel;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.mm.MappableFile;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * A machine with a kernel, plus the two things tests need from the rest of the system: a user
 * mm that mmaps like core mm (get_unmapped_area, then f_op->mmap), and CPL0 loads and stores run
 * by the kernel CPU with an exception-table-like fixup (a faulting load gives 0, a faulting store
 * is dropped), as the JIT's PROBE_MEM32 accesses behave.
 */
final class ArenaFixture implements AutoCloseable {
    static final long RAM = 64L << 20;
    /** Where the test's "generic allocator" places mappings unless hinted. */
    static final long MMAP_BASE = 0x7f00_4000_0000L;

    final Machine machine;
    final Kernel kernel;
    final List<PageFault> kernelFaults = new ArrayList<>();
    private final Stubs.Stub load;
    private final Stubs.Stub store;
    private final Object mm = new Object();

    ArenaFixture(KernelEra era) {
        this(era, EnumSet.of(Capability.CAP_BPF, Capability.CAP_PERFMON));
    }

    ArenaFixture(KernelEra era, EnumSet<Capability> caps) {
        machine = new Machine();
        kernel = new Kernel(machine, era, RAM, caps);
        load = machine.stubs().kernel(new byte[] {0x48, (byte) 0x8B, 0x07});        // mov rax, [rdi]
        store = machine.stubs().kernel(new byte[] {0x48, (byte) 0x89, 0x37});       // mov [rdi], rsi
        machine.kernelCpu().setFaultHandler((fault, cpu) -> {
            kernelFaults.add(fault);
            return new FaultResolution.Fixup(fault.rip() + 3, fault.write() ? null : X86Reg.RAX);
        });
    }

    Arena create(ArenaAttr attr) {
        return Arena.create(kernel, attr).orThrow();
    }

    /** mmap(hint, length, PROT_READ|PROT_WRITE, MAP_SHARED[|MAP_FIXED], fd, 0) as core mm runs it. */
    RecordingVma mmap(MappableFile file, long hint, long length) {
        long addr = file.getUnmappedArea(hint, length, 0, 0, (h, len, flags) -> h != 0 ? h : MMAP_BASE);
        if (addr < 0) throw new IllegalStateException("get_unmapped_area: " + Errno.describe(addr));
        RecordingVma vma = new RecordingVma(kernel.frames(), mm, addr, addr + length, RecordingVma.sharedReadWrite());
        int err = file.mmap(vma);
        if (err != 0) throw new IllegalStateException("mmap: " + Errno.describe(err));
        return vma;
    }

    /** A 64-bit load at CPL0; 0 when it faulted (and was fixed up). */
    long kernelLoad(long va) {
        machine.kernelCpu().reg(X86Reg.RDI, va);
        machine.kernelCpu().reg(X86Reg.RAX, 0xDEAD_BEEFL);
        run(load);
        return machine.kernelCpu().reg(X86Reg.RAX);
    }

    /** A 64-bit store at CPL0 (dropped if it faults). */
    void kernelStore(long va, long value) {
        machine.kernelCpu().reg(X86Reg.RDI, va);
        machine.kernelCpu().reg(X86Reg.RSI, value);
        run(store);
    }

    private void run(Stubs.Stub stub) {
        RunResult r = machine.kernelCpu().run(stub.address(), stub.end(), Budget.SHORT);
        if (!(r instanceof RunResult.Returned)) throw new IllegalStateException("CPL0 access did not return: " + r);
    }

    @Override
    public void close() {
        machine.close();
    }
}
