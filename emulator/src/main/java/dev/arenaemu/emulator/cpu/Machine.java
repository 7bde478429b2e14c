package dev.arenaemu.emulator.cpu;

import dev.arenaemu.emulator.ffm.X86Reg;
import dev.arenaemu.emulator.memory.HostBuffer;
import dev.arenaemu.emulator.memory.PhysicalMemory;
import dev.arenaemu.emulator.paging.PageTable;
import dev.arenaemu.emulator.paging.PteFlag;
import dev.arenaemu.emulator.trap.FaultHandler;
import dev.arenaemu.emulator.trap.FaultResolution;
import dev.arenaemu.emulator.trap.PageFault;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The whole x86-64 machine: physical memory, the kernel page table, the kernel CPU and one CPU
 * per user address space. Knows nothing of Linux or BPF.
 *
 * <p>Kernel image (supervisor, shared by every address space through the upper half):
 * text at {@link #KERNEL_TEXT_VA}, the GDT after it, then the kernel stack. User roots copy the
 * kernel's upper-half PML4 slots, all populated at boot, so kernel mappings made later appear
 * in every address space as on Linux.
 */
public final class Machine implements AutoCloseable {
    public static final long KERNEL_TEXT_VA = 0xFFFF_FFFF_8100_0000L;
    public static final long KERNEL_TEXT_SIZE = 0x4000;
    public static final long GDT_VA = KERNEL_TEXT_VA + 0x4000;
    public static final long KERNEL_STACK_BOTTOM = KERNEL_TEXT_VA + 0x8000;
    public static final long KERNEL_STACK_TOP = KERNEL_TEXT_VA + 0x2_0000;
    private static final long KERNEL_IMAGE_SIZE = 0x2_0000;
    public static final long VSYSCALL_VA = 0xFFFF_FFFF_FF60_0000L;
    private static final long VSYSCALL_SIZE = 0x4000;
    /** Unmapped page inside the kernel image, used by the boot self-check. */
    private static final long PROBE_VA = KERNEL_TEXT_VA + 0x5000;

    private static final long[] GDT = {
        0L,
        0x00AF_9B00_0000_FFFFL,   // 0x08 kernel code, 64-bit
        0x00CF_9300_0000_FFFFL,   // 0x10 kernel data
        0x00CF_F300_0000_FFFFL,   // 0x1b user data (DPL 3)
        0x00AF_FB00_0000_FFFFL};  // 0x23 user code, 64-bit (DPL 3)

    private final ContextLayout layout;
    private final PhysicalMemory physical = new PhysicalMemory();
    private final PageTable kernelTable;
    private final HostBuffer image;
    private final HostBuffer vsyscall;
    private final Stubs stubs;
    private final List<Cpu> cpus = new ArrayList<>();
    private final Cpu kernelCpu;
    private boolean closed;

    public Machine() {
        layout = ContextLayout.discover();
        kernelTable = PageTable.create(physical.pageTablePool());
        kernelTable.preallocateUpperHalf();
        image = physical.allocate("kernel image", KERNEL_IMAGE_SIZE);
        vsyscall = physical.allocate("vsyscall page", VSYSCALL_SIZE);
        for (int i = 0; i < GDT.length; i++) image.memory().set(ValueLayout.JAVA_LONG_UNALIGNED, (GDT_VA - KERNEL_TEXT_VA) + 8L * i, GDT[i]);
        for (long off = 0; off < KERNEL_TEXT_SIZE; off += 4096) kernelTable.map(KERNEL_TEXT_VA + off, image.phys(off), 0);
        kernelTable.map(GDT_VA, image.phys(GDT_VA - KERNEL_TEXT_VA), PteFlag.RW);
        for (long va = KERNEL_STACK_BOTTOM; va < KERNEL_STACK_TOP; va += 4096) kernelTable.map(va, image.phys(va - KERNEL_TEXT_VA), PteFlag.RW);
        for (long off = 0; off < VSYSCALL_SIZE; off += 4096) kernelTable.map(VSYSCALL_VA + off, vsyscall.phys(off), PteFlag.US);
        stubs = new Stubs(image, KERNEL_TEXT_VA, KERNEL_TEXT_SIZE, vsyscall, VSYSCALL_VA);
        kernelCpu = newCpu(kernelTable, Cpu.Mode.KERNEL);
        selfCheck();
    }

    public PhysicalMemory physical() { return physical; }
    public PageTable kernelPageTable() { return kernelTable; }
    public Cpu kernelCpu() { return kernelCpu; }
    public Stubs stubs() { return stubs; }
    public ContextLayout contextLayout() { return layout; }

    /** A user root sharing the kernel's upper half. */
    public PageTable newUserPageTable() {
        return PageTable.sharingUpperHalf(physical.pageTablePool(), kernelTable);
    }

    /** A CPU for one user address space, already at CPL3 (entered by iretq from a CPL0 stub). */
    public Cpu newUserCpu(PageTable userTable) {
        Cpu cpu = newCpu(userTable, Cpu.Mode.USER);
        cpu.enterUserMode(stubs.iretqEntry().address(), stubs.userPark().address(), 0);
        return cpu;
    }

    /** Retires a user CPU: its engine closes; its page table stays with its owner. */
    public void destroyCpu(Cpu cpu) {
        if (cpu == kernelCpu) throw new IllegalArgumentException("the kernel CPU lives as long as the machine");
        if (cpus.remove(cpu)) cpu.close();
    }

    /** Guest RAM with a physical address, visible at that address in every CPU. */
    public HostBuffer allocate(String name, long size) {
        HostBuffer buffer = physical.allocate(name, size);
        for (Cpu cpu : cpus) cpu.mapRegion(buffer.physBase(), buffer.size(), buffer, 0);
        return buffer;
    }

    public void release(HostBuffer buffer) {
        for (Cpu cpu : cpus) cpu.unmapRegion(buffer.physBase(), buffer.size());
        physical.release(buffer);
    }

    /** Every live CPU, the kernel's first. */
    public List<Cpu> cpus() {
        return List.copyOf(cpus);
    }

    private Cpu newCpu(PageTable table, Cpu.Mode mode) {
        Cpu cpu = new Cpu(this, table, mode, layout);
        for (HostBuffer b : physical.buffers()) cpu.mapRegion(b.physBase(), b.size(), b, 0);
        cpu.mapRegion(KERNEL_TEXT_VA, KERNEL_IMAGE_SIZE, image, 0);
        cpu.mapRegion(VSYSCALL_VA, VSYSCALL_SIZE, vsyscall, 0);
        cpu.initialiseLongMode(GDT_VA, GDT.length * 8 - 1, KERNEL_STACK_TOP);
        cpus.add(cpu);
        return cpu;
    }

    /**
     * Proves the context layout with real faults before anything depends on it: three kernel
     * writes to a not-present page in one run must each arrive as #PF with error code 0x2 (a
     * wrong old_exception offset would turn the second into #DF).
     */
    private void selfCheck() {
        Stubs.Stub probe = stubs.kernel(new byte[] {(byte) 0x88, 0x07, (byte) 0x88, 0x07, (byte) 0x88, 0x07});  // 3x mov [rdi], al
        List<PageFault> seen = new ArrayList<>();
        kernelCpu.setFaultHandler((fault, cpu) -> {
            seen.add(fault);
            return new FaultResolution.Fixup(fault.rip() + 2, null);
        });
        kernelCpu.reg(X86Reg.RDI, PROBE_VA);
        RunResult r = kernelCpu.run(probe.address(), probe.end(), Budget.SHORT);
        kernelCpu.setFaultHandler(FaultHandler.DELIVER_ALL);
        boolean ok = r instanceof RunResult.Returned && seen.size() == 3
            && seen.stream().allMatch(f -> f.errorCode() == PageFault.PF_WRITE && f.address() == PROBE_VA);
        if (!ok) {
            throw new IllegalStateException("Unicorn self-check failed: expected three #PF (err 0x2 at 0x"
                + Long.toHexString(PROBE_VA) + "), got " + seen + " and " + r + "; context layout " + layout);
        }
    }

    /**
     * Closes every engine, then returns all guest memory to the host. Buffers and page tables of
     * this machine must not be used afterwards (their segments throw IllegalStateException).
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (Cpu cpu : cpus) cpu.close();
        cpus.clear();
        physical.close();
    }
}
