package dev.arenaemu.emulator.cpu;

import dev.arenaemu.emulator.x86.X86Reg;
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
 * The whole x86-64 machine: physical memory, the kernel page table and {@link #cpuCount()} CPUs
 * (engines with their own TLBs over the same physical memory; CPU 0 boots). A CPU runs kernel
 * work at CPL0 and a process's code at CPL3 after loading that address space's root into CR3.
 * Knows nothing of Linux or BPF.
 *
 * <p>Kernel image (supervisor, shared by every address space through the upper half):
 * text at {@link #KERNEL_TEXT_VA}, the GDT after it, then one kernel stack per CPU, each below an
 * unmapped guard gap. User roots copy the kernel's upper-half PML4 slots, all populated at boot,
 * so kernel mappings made later appear in every address space as on Linux.
 */
public final class Machine implements AutoCloseable {
    public static final long KERNEL_TEXT_VA = 0xFFFF_FFFF_8100_0000L;
    public static final long KERNEL_TEXT_SIZE = 0x4000;
    public static final long GDT_VA = KERNEL_TEXT_VA + 0x4000;
    /** Bytes of each CPU's kernel stack. */
    public static final long KERNEL_STACK_SIZE = 0x1_8000;
    /**
     * Image bytes per CPU: CPU {@code i}'s stack ends at {@code KERNEL_TEXT_VA + (i + 1) * this}; the
     * {@code 0x8000} below each stack are unmapped (a guard gap, or text and GDT below CPU 0's).
     */
    private static final long KERNEL_IMAGE_PER_CPU = 0x2_0000;
    public static final long VSYSCALL_VA = 0xFFFF_FFFF_FF60_0000L;
    private static final long VSYSCALL_SIZE = 0x4000;
    /**
     * x86-64's module area [MODULES_VADDR, MODULES_END), where the kernel's execmem places module
     * and BPF JIT text. The instruction budget treats code here differently from all other code:
     * it is charged only where its owner says ({@link Cpu#chargeAt}), see {@link Budget}.
     */
    public static final long MODULES_VADDR = 0xFFFF_FFFF_A000_0000L, MODULES_END = 0xFFFF_FFFF_FF00_0000L;
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
    private int resets;
    /** See {@link #codeHighWater(long)}. */
    private final Map<Long, Long> codeHighWater = new HashMap<>();
    /** Kernel leaves present at the end of boot; {@link #reset()} removes every other one. */
    private final Set<Long> bootLeaves = new HashSet<>();
    /** Physical buffers that exist from boot to close (page-table pool, kernel image, vsyscall page). */
    private final Set<Long> bootRegions = new HashSet<>();
    private final List<Cpu> cpus = new ArrayList<>();
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
     * A machine whose CPUs have no budget charges at all ({@link Budget}): guest code runs with no
     * hook, but {@link Budget#instructions()} is not enforced and only the wall clock bounds a
     * run (deterministic budgets are lost). For baselines of code known to terminate, e.g. the
     * JIT benchmark's.
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
        image = physical.allocate("kernel image", KERNEL_IMAGE_PER_CPU * cpuCount);
        vsyscall = physical.allocate("vsyscall page", VSYSCALL_SIZE);
        for (int i = 0; i < GDT.length; i++) image.memory().set(ValueLayout.JAVA_LONG_UNALIGNED, (GDT_VA - KERNEL_TEXT_VA) + 8L * i, GDT[i]);
        for (long off = 0; off < KERNEL_TEXT_SIZE; off += 4096) kernelTable.map(KERNEL_TEXT_VA + off, image.phys(off), 0);
        kernelTable.map(GDT_VA, image.phys(GDT_VA - KERNEL_TEXT_VA), PteFlag.RW | PteFlag.NX);
        for (int i = 0; i < cpuCount; i++) {
            for (long va = kernelStackTop(i) - KERNEL_STACK_SIZE; va < kernelStackTop(i); va += 4096) kernelTable.map(va, image.phys(va - KERNEL_TEXT_VA), PteFlag.RW | PteFlag.NX);
        }
        for (long off = 0; off < VSYSCALL_SIZE; off += 4096) kernelTable.map(VSYSCALL_VA + off, vsyscall.phys(off), PteFlag.US);
        stubs = new Stubs(image, KERNEL_TEXT_VA, KERNEL_TEXT_SIZE, vsyscall, VSYSCALL_VA, this::dropTranslations);
        for (int i = 0; i < cpuCount; i++) cpus.add(newCpu(i));
        selfCheck();
        for (HostBuffer b : physical.buffers()) bootRegions.add(b.physBase());
        kernelTable.forEachPresent(bootLeaves::add);
        physical.markBoot();
        stubs.markBoot();
    }

    /** Called by {@link Stubs} when stub code is rewritten in place (the CPUs exist by then). */
    private void dropTranslations() {
        for (Cpu cpu : cpus) cpu.flushTranslations();
    }

    /** Where CPU {@code index}'s kernel stack ends (its RSP at boot). */
    public static long kernelStackTop(int index) {
        return KERNEL_TEXT_VA + KERNEL_IMAGE_PER_CPU * (index + 1);
    }

    public PhysicalMemory physical() { return physical; }

    /** How often {@link #reset()} was called. */
    public int resets() { return resets; }

    /** False for {@link #uncounted()} machines, whose CPUs charge nothing against {@link Budget#instructions()}. */
    public boolean countsInstructions() { return countsInstructions; }
    public PageTable kernelPageTable() { return kernelTable; }
    /** The boot CPU, CPU 0. */
    public Cpu kernelCpu() { return cpus.getFirst(); }

    /** CPU {@code index} (0-based). */
    public Cpu cpu(int index) {
        if (index < 0 || index >= cpus.size()) throw new IllegalArgumentException("no CPU " + index + " (this machine has " + cpus.size() + ")");
        return cpus.get(index);
    }

    /** How many CPUs the machine has. */
    public int cpuCount() { return cpus.size(); }

    /** The CPUs, CPU 0 first (every CPU runs kernel work; user code runs on them under a process's root). */
    public List<Cpu> kernelCpus() { return List.copyOf(cpus); }
    public Stubs stubs() { return stubs; }
    public ContextLayout contextLayout() { return layout; }

    /** A user root sharing the kernel's upper half. */
    public PageTable newUserPageTable() {
        return PageTable.sharingUpperHalf(physical.pageTablePool(), kernelTable);
    }

    /**
     * User code was placed through {@code by} (its stores drop its own stale translations of those
     * pages; the other engines are told to drop theirs before they run user code again).
     */
    public void userCodePlaced(Cpu by) {
        for (Cpu cpu : cpus) if (cpu != by) cpu.userCodeChangedElsewhere();
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
     * below the leaves (Linux never frees vmalloc's either). Every CPU goes back to the kernel's
     * root at CPL0 with an empty TLB; a CPU that ran user code also drops its translated code.
     */
    public void reset() {
        if (closed) throw new IllegalStateException("machine closed");
        resets++;
        List<Long> stale = new ArrayList<>();
        kernelTable.forEachPresent(va -> { if (!bootLeaves.contains(va)) stale.add(va); });
        for (long va : stale) kernelTable.unmap(va);
        physical.reset();
        stubs.reset();
        for (Cpu cpu : cpus) cpu.retireRegionsBut(bootRegions::contains);
        for (Cpu cpu : cpus) cpu.reboot(GDT_VA, GDT.length * 8 - 1, kernelTable);
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
        return buffer;
    }

    public void release(HostBuffer buffer) {
        for (Cpu cpu : cpus) cpu.unmapPhysical(buffer);
        physical.release(buffer);
    }

    /** Every CPU, CPU 0 first (the same list as {@link #kernelCpus()}). */
    public List<Cpu> cpus() {
        return List.copyOf(cpus);
    }

    private Cpu newCpu(int index) {
        Cpu cpu = new Cpu(this, index, kernelTable, kernelStackTop(index), layout);
        for (HostBuffer b : physical.buffers()) cpu.mapPhysical(b);
        cpu.initialiseLongMode(GDT_VA, GDT.length * 8 - 1);
        return cpu;
    }

    /**
     * Proves the context layout with real faults before anything depends on it: three kernel
     * writes to a not-present page in one run must each arrive as #PF with error code 0x2 (a
     * wrong old_exception offset would turn the second into #DF), CR2 the page and RIP the
     * write's own address (the fixup past each write resumes at the next).
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
            && seen.stream().allMatch(f -> f.errorCode() == PageFault.PF_WRITE && f.address() == PROBE_VA)
            && seen.get(0).rip() == probe.address() && seen.get(2).rip() == probe.address() + 4;
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
