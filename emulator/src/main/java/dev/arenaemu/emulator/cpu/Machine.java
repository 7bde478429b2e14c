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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The whole x86-64 machine: physical memory, the kernel page table, {@link #cpuCount()} kernel
 * CPUs (engines with their own TLBs over the same physical memory; CPU 0 boots) and one CPU per
 * user address space. Knows nothing of Linux or BPF.
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
    /**
     * Engines of exited processes that ran only the machine's stubs (identical in every life of
     * the machine), kept for the next process: a new engine costs ~0.6 ms to initialise.
     */
    private final List<Cpu> parked = new ArrayList<>();
    private static final int MAX_PARKED = 8;
    private int resets;
    /** See {@link #codeHighWater(long)}. */
    private final Map<Long, Long> codeHighWater = new HashMap<>();
    /** Kernel leaves present at the end of boot; {@link #reset()} removes every other one. */
    private final Set<Long> bootLeaves = new HashSet<>();
    /** Physical buffers that exist from boot to close (page-table pool, kernel image, vsyscall page). */
    private final Set<Long> bootRegions = new HashSet<>();
    private final List<Cpu> kernelCpus = new ArrayList<>();
    /** CPUs a machine has unless asked otherwise (the kernel's flushes must reach more than one). */
    public static final int DEFAULT_CPUS = 2;
    private final boolean countsInstructions;
    private boolean closed;

    public Machine() {
        this(true, DEFAULT_CPUS);
    }

    /** A machine with {@code cpus} kernel CPUs (at least 1). */
    public Machine(int cpus) {
        this(true, cpus);
    }

    /**
     * A machine whose engines never pass an instruction count to Unicorn: no per-instruction
     * hook, so guest code runs several times faster, but {@link Budget#instructions()} is not
     * enforced and only the wall clock bounds a run (deterministic budgets are lost). For
     * baselines of code known to terminate, e.g. the JIT benchmark. The engines never count at
     * all: on Unicorn 2.0.1 an uncounted run could not be stopped from another thread once the
     * engine had counted (emulator/docs/costs.md, budget section). 2.1.4 stops it
     * ({@code UncountedStopAfterCountedRunTest}); the machine still keeps its engines uncounted.
     */
    public static Machine uncounted() {
        return new Machine(false, DEFAULT_CPUS);
    }

    private Machine(boolean countsInstructions, int cpuCount) {
        if (cpuCount < 1 || cpuCount > 64) throw new IllegalArgumentException("CPU count " + cpuCount + " (1..64)");
        this.countsInstructions = countsInstructions;
        layout = ContextLayout.discover();
        kernelTable = PageTable.create(physical.pageTablePool());
        kernelTable.preallocateUpperHalf();
        image = physical.allocate("kernel image", KERNEL_IMAGE_SIZE);
        vsyscall = physical.allocate("vsyscall page", VSYSCALL_SIZE);
        for (int i = 0; i < GDT.length; i++) image.memory().set(ValueLayout.JAVA_LONG_UNALIGNED, (GDT_VA - KERNEL_TEXT_VA) + 8L * i, GDT[i]);
        for (long off = 0; off < KERNEL_TEXT_SIZE; off += 4096) kernelTable.map(KERNEL_TEXT_VA + off, image.phys(off), 0);
        kernelTable.map(GDT_VA, image.phys(GDT_VA - KERNEL_TEXT_VA), PteFlag.RW | PteFlag.NX);
        for (long va = KERNEL_STACK_BOTTOM; va < KERNEL_STACK_TOP; va += 4096) kernelTable.map(va, image.phys(va - KERNEL_TEXT_VA), PteFlag.RW | PteFlag.NX);
        for (long off = 0; off < VSYSCALL_SIZE; off += 4096) kernelTable.map(VSYSCALL_VA + off, vsyscall.phys(off), PteFlag.US);
        stubs = new Stubs(image, KERNEL_TEXT_VA, KERNEL_TEXT_SIZE, vsyscall, VSYSCALL_VA, this::dropKernelTranslations, this::dropParkedCpus);
        for (int i = 0; i < cpuCount; i++) kernelCpus.add(newCpu(kernelTable, Cpu.Mode.KERNEL));
        selfCheck();
        for (HostBuffer b : physical.buffers()) bootRegions.add(b.physBase());
        kernelTable.forEachPresent(bootLeaves::add);
        physical.markBoot();
        stubs.markBoot();
    }

    /** Called by {@link Stubs} when kernel code is rewritten in place (the kernel CPU exists by then). */
    private void dropKernelTranslations() {
        for (Cpu cpu : kernelCpus) cpu.flushTranslations();
    }

    public PhysicalMemory physical() { return physical; }

    /** How often {@link #reset()} was called. */
    public int resets() { return resets; }

    /** False for {@link #uncounted()} machines. */
    public boolean countsInstructions() { return countsInstructions; }
    public PageTable kernelPageTable() { return kernelTable; }
    /** The boot CPU, CPU 0. */
    public Cpu kernelCpu() { return kernelCpus.getFirst(); }

    /** Kernel CPU {@code index} (0-based). */
    public Cpu cpu(int index) {
        if (index < 0 || index >= kernelCpus.size()) throw new IllegalArgumentException("no CPU " + index + " (this machine has " + kernelCpus.size() + ")");
        return kernelCpus.get(index);
    }

    /** How many kernel CPUs the machine has. */
    public int cpuCount() { return kernelCpus.size(); }

    /** The kernel CPUs, CPU 0 first. */
    public List<Cpu> kernelCpus() { return List.copyOf(kernelCpus); }
    public Stubs stubs() { return stubs; }
    public ContextLayout contextLayout() { return layout; }

    /** A user root sharing the kernel's upper half. */
    public PageTable newUserPageTable() {
        return PageTable.sharingUpperHalf(physical.pageTablePool(), kernelTable);
    }

    /** A CPU for one user address space, already at CPL3 (entered by iretq from a CPL0 stub). */
    public Cpu newUserCpu(PageTable userTable) {
        Cpu cpu;
        if (parked.isEmpty()) {
            cpu = newCpu(userTable, Cpu.Mode.USER);
        } else {
            cpu = parked.removeLast();
            cpu.rebind(userTable);
            cpus.add(cpu);
        }
        cpu.enterUserMode(stubs.iretqEntry().address(), stubs.userPark().address(), 0);
        return cpu;
    }

    /**
     * Retires a user CPU; its page table stays with its owner. An engine that ran only stubs is
     * parked for the next process; one that ran user code closes (user code may have run
     * anywhere, and only a full translation flush would drop what it left translated).
     */
    public void destroyCpu(Cpu cpu) {
        if (kernelCpus.contains(cpu)) throw new IllegalArgumentException("a kernel CPU lives as long as the machine");
        if (!cpus.remove(cpu)) return;
        if (cpu.hasRunArbitraryCode() || cpu.running() || parked.size() >= MAX_PARKED) {
            cpu.close();
            return;
        }
        parked.add(cpu);
    }

    /** User stubs were rewritten with other bytes: parked engines may hold their old translations. */
    private void dropParkedCpus() {
        for (Cpu cpu : parked) cpu.close();
        parked.clear();
    }

    /**
     * How far code has been placed in the code space starting at {@code base} (0 if never): kept
     * across {@link #reset()}. Translations survive a reset and a host write does not drop them
     * (2.1.4 as 2.0.1, emulator/README.md quirk 4), and dropping them all was slow on 2.0.1
     * (about a second; less on 2.1.4, see CpuTranslationFlushTest), so an owner that places code
     * (the JIT's module area) resumes after this mark on a reset machine, and flushes only when
     * its space is full.
     */
    public long codeHighWater(long base) {
        return codeHighWater.getOrDefault(base, 0L);
    }

    public void codeHighWater(long base, long offset) {
        codeHighWater.put(base, offset);
    }

    /**
     * Puts the machine back in its boot state so that the next user sees exactly what a new
     * machine would show (same physical and kernel addresses, same stubs, no mappings), while
     * keeping what is costly to make: Unicorn engines, host memory, and the kernel's page tables
     * below the leaves (Linux never frees vmalloc's either). Every user CPU must have been
     * destroyed. Throws IllegalStateException otherwise; the machine should then be closed.
     */
    public void reset() {
        if (closed) throw new IllegalStateException("machine closed");
        resets++;
        if (cpus.size() != kernelCpus.size()) throw new IllegalStateException((cpus.size() - kernelCpus.size()) + " user CPU(s) still live");
        List<Long> stale = new ArrayList<>();
        kernelTable.forEachPresent(va -> { if (!bootLeaves.contains(va)) stale.add(va); });
        for (long va : stale) kernelTable.unmap(va);
        physical.reset();
        stubs.reset();
        for (Cpu cpu : kernelCpus) cpu.retireRegionsBut(bootRegions::contains);
        for (Cpu cpu : parked) cpu.retireRegionsBut(bootRegions::contains);
        for (Cpu cpu : kernelCpus) cpu.reboot(GDT_VA, GDT.length * 8 - 1, KERNEL_STACK_TOP);
    }

    /** Guest RAM with a physical address, visible at that address in every CPU. */
    public HostBuffer allocate(String name, long size) {
        return mapEverywhere(physical.allocate(name, size));
    }

    /** {@link #allocate} for owners that zero what they hand out (see {@link PhysicalMemory#allocateUnzeroed}). */
    public PhysicalMemory.Reserved allocateUnzeroed(String name, long size) {
        PhysicalMemory.Reserved r = physical.allocateUnzeroed(name, size);
        mapEverywhere(r.buffer());
        return r;
    }

    private HostBuffer mapEverywhere(HostBuffer buffer) {
        for (Cpu cpu : cpus) cpu.mapPhysical(buffer);
        for (Cpu cpu : parked) cpu.mapPhysical(buffer);
        return buffer;
    }

    public void release(HostBuffer buffer) {
        for (Cpu cpu : cpus) cpu.unmapPhysical(buffer);
        for (Cpu cpu : parked) cpu.unmapPhysical(buffer);
        physical.release(buffer);
    }

    /** Every live CPU: the kernel CPUs first, then the user CPUs. */
    public List<Cpu> cpus() {
        return List.copyOf(cpus);
    }

    private Cpu newCpu(PageTable table, Cpu.Mode mode) {
        Cpu cpu = new Cpu(this, table, mode, layout);
        for (HostBuffer b : physical.buffers()) cpu.mapPhysical(b);
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
        Cpu kernelCpu = kernelCpu();
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
        dropParkedCpus();
        cpus.clear();
        physical.close();
    }
}
