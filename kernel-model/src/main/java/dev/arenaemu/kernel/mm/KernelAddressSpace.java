package dev.arenaemu.kernel.mm;

import dev.arenaemu.emulator.cpu.Cpu;
import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.emulator.ffm.HostMemory;
import dev.arenaemu.emulator.memory.HostBuffer;
import dev.arenaemu.emulator.memory.PhysicalMemory;
import dev.arenaemu.kernel.inject.FaultInjection;
import dev.arenaemu.kernel.inject.InjectionSite;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The kernel's vmalloc space (mm/vmalloc.c) as far as the arena needs it: get_vm_area() hands
 * out ranges of kernel virtual addresses with no pages behind them; their owners install and
 * remove kernel PTEs page by page through {@link KernelVmArea}.
 *
 * <p>Each range is backed by one {@link HostBuffer} of the same size, mapped as a region of the
 * kernel CPU at the range's start (offset {@code o} shows virtual address {@code addr + o}); the
 * buffer's physical addresses are the frames the kernel PTEs name. The PTEs are written into the
 * machine's real kernel page table, so CPL0 code sees exactly the pages installed.
 *
 * <p>Like vmalloc, released ranges are reused: a released area keeps its Unicorn regions and its
 * buffer, and the next reservation of the same size takes it over (so does the next kernel on a
 * reset machine). Unmapping a 4 GiB region costs Unicorn hundreds of milliseconds. The buffer
 * keeps the bytes of the pages it used, up to {@link #KEEP_RESIDENT_PAGES} (more go back to the
 * host): the page allocator zeroes each page as it hands it out again, which is cheaper than the
 * host faulting it in afresh.
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
    private final Frames frames;
    private final List<KernelVmArea> areas = new ArrayList<>();
    /** Released ranges kept for reuse: still backed and mapped, no PTEs. */
    private final List<KernelVmArea> purged = new ArrayList<>();
    private long next = VMALLOC_START;
    /** Pages a released area may keep resident for its next user (32 MiB). */
    private static final long KEEP_RESIDENT_PAGES = 8192;

    public KernelAddressSpace(Machine machine, FaultInjection injection, Frames frames) {
        this.machine = machine;
        this.injection = injection;
        this.frames = frames;
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
        if (next - VMALLOC_START + aligned + GUARD_PAGE > VMALLOC_SIZE) return null;
        for (KernelVmArea old : purged) {
            if (old.size() != aligned) continue;
            purged.remove(old);
            frames.addSection(old.buffer(), false);   // old bytes may remain: pages are zeroed as they are allocated
            KernelVmArea area = new KernelVmArea(this, name, old.addr(), aligned, old.buffer());
            areas.add(area);
            return area;
        }
        long addr = next;
        // A reset machine's buffer may come back with its old bytes (see release): Frames zeroes pages as it hands them out.
        PhysicalMemory.Reserved reserved = machine.allocateUnzeroed(name, aligned);
        HostBuffer buffer = reserved.buffer();
        frames.addSection(buffer, reserved.zeroed());
        machine.kernelCpu().mapRegion(addr, aligned, buffer, 0);
        next = addr + aligned + GUARD_PAGE;
        KernelVmArea area = new KernelVmArea(this, name, addr, aligned, buffer);
        areas.add(area);
        return area;
    }

    /**
     * free_vm_area(): clears every PTE left in the range and flushes the kernel TLB; the range
     * (with its regions and buffer) waits for reuse. Frames still in use there are the caller's bug.
     */
    public void release(KernelVmArea area) {
        if (!areas.remove(area)) return;
        area.clearAll();
        flushTlbAll();
        long touched = frames.removeSection(area.buffer());
        // The bytes stay for the next user of the buffer (zeroed page by page as they are
        // allocated again), unless so many pages were used that keeping them costs real memory.
        if (touched > KEEP_RESIDENT_PAGES) HostMemory.discard(area.buffer().memory());
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
