package dev.arenaemu.kernel.mm;

import dev.arenaemu.emulator.cpu.Cpu;
import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.kernel.inject.FaultInjection;
import dev.arenaemu.kernel.inject.InjectionSite;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The kernel's vmalloc space (mm/vmalloc.c) as far as the arena needs it: get_vm_area() hands
 * out ranges of kernel virtual addresses with no pages behind them; their owners install and
 * remove kernel PTEs page by page through {@link KernelVmArea}, each naming a frame from the
 * page allocator. The PTEs are written into the machine's real kernel page table, so CPL0 code
 * sees exactly the pages installed.
 *
 * <p>Released ranges are reused by the next reservation of the same size, as vmalloc reuses
 * freed ranges: the page-table pages below them stay (Linux never frees vmalloc's either), so a
 * machine that serves thousands of scenarios does not grow its tables.
 */
public final class KernelAddressSpace {
    /** x86-64 VMALLOC_START with 4-level paging (Documentation/arch/x86/x86_64/mm.rst). */
    public static final long VMALLOC_START = 0xFFFF_C900_0000_0000L;
    /** 32 TiB, as on x86-64 with 4-level paging. */
    public static final long VMALLOC_SIZE = 32L << 40;
    /** get_vm_area() leaves one unmapped guard page after every area (no VM_NO_GUARD). */
    private static final long GUARD_PAGE = Frames.PAGE_SIZE;

    private final Machine machine;
    private final FaultInjection injection;
    private final List<KernelVmArea> areas = new ArrayList<>();
    /** Released ranges kept for reuse: no PTEs. */
    private final List<KernelVmArea> purged = new ArrayList<>();
    private long next = VMALLOC_START;

    public KernelAddressSpace(Machine machine, FaultInjection injection) {
        this.machine = machine;
        this.injection = injection;
    }

    /** {@link #reserve(String, long)} with a generic name. */
    public KernelVmArea reserve(long size) {
        return reserve("vm area", size);
    }

    /**
     * get_vm_area(size, VM_SPARSE | VM_USERMAP): a kernel range of {@code size} bytes (rounded up
     * to pages) with no PTEs, or null when the space is exhausted or
     * {@link InjectionSite#KERNEL_VA_RESERVE} fails.
     */
    public KernelVmArea reserve(String name, long size) {
        long aligned = (size + Frames.PAGE_SIZE - 1) & -Frames.PAGE_SIZE;
        if (injection.shouldFail(InjectionSite.KERNEL_VA_RESERVE)) return null;
        for (KernelVmArea old : purged) {
            if (old.size() != aligned) continue;
            purged.remove(old);
            KernelVmArea area = new KernelVmArea(this, name, old.addr(), aligned);
            areas.add(area);
            return area;
        }
        if (next - VMALLOC_START + aligned + GUARD_PAGE > VMALLOC_SIZE) return null;
        long addr = next;
        next = addr + aligned + GUARD_PAGE;
        KernelVmArea area = new KernelVmArea(this, name, addr, aligned);
        areas.add(area);
        return area;
    }

    /**
     * free_vm_area(): clears every PTE left in the range and flushes the kernel TLB on every CPU;
     * the range waits for reuse. Frames still in use there are the caller's business (the arena
     * puts its pages before it releases the range).
     */
    public void release(KernelVmArea area) {
        if (!areas.remove(area)) return;
        area.clearAll();
        flushTlbAll();
        area.markReleased();
        purged.add(area);
    }

    /** The live areas, in reservation order. */
    public List<KernelVmArea> areas() {
        return Collections.unmodifiableList(areas);
    }

    public Machine machine() {
        return machine;
    }

    FaultInjection injection() {
        return injection;
    }

    /**
     * flush_tlb_kernel_range(): every CPU may cache kernel translations (the upper half is shared
     * by every address space). Like arch/x86/mm/tlb.c, ranges of more than
     * {@link KernelVmArea#TLB_SINGLE_PAGE_FLUSH_CEILING} pages flush everything instead.
     */
    void flushTlbRange(long start, long pages) {
        if (pages <= 0) return;
        if (pages > KernelVmArea.TLB_SINGLE_PAGE_FLUSH_CEILING) {
            flushTlbAll();
            return;
        }
        // One run per CPU (its invlpg loop); inside a run (a kfunc called by JIT'd code) any
        // flush is a full one, done once.
        for (Cpu cpu : machine.cpus()) cpu.flushTlbRange(start, start + (pages << Frames.PAGE_SHIFT));
    }

    void flushTlbAll() {
        for (Cpu cpu : machine.cpus()) cpu.flushTlbAll();
    }
}
