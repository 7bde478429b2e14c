package dev.arenaemu.kernel;

import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.emulator.memory.PhysicalMemory;
import dev.arenaemu.kernel.inject.FaultInjection;
import dev.arenaemu.kernel.mm.Frames;
import dev.arenaemu.kernel.mm.KernelAddressSpace;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The modelled kernel: one per {@link Machine}. Owns the page allocator ({@link Frames}), the
 * vmalloc space ({@link KernelAddressSpace}), the fault-injection controls and the log of
 * {@link KernelEvent}s; knows its {@link KernelEra} and the capabilities of the (single) caller.
 * Arenas and other kernel objects are created against it.
 *
 * <p>One kernel per machine: the kernel owns the machine's vmalloc range and its RAM for the page
 * allocator, so a second kernel on the same machine would collide with it.
 */
public final class Kernel {
    /** NUMA_NO_NODE. */
    public static final int NUMA_NO_NODE = -1;

    private final Machine machine;
    private final KernelEra era;
    private final Set<Capability> capabilities;
    private final FaultInjection injection = new FaultInjection();
    private final List<KernelEvent> events = new ArrayList<>();
    private final java.util.ArrayDeque<Runnable> workqueue = new java.util.ArrayDeque<>();
    private final Frames frames;
    private final KernelAddressSpace addressSpace;
    private final int onlineNodes;

    /** A kernel with page poisoning on, one online NUMA node. */
    public Kernel(Machine machine, KernelEra era, long ramBytes, Set<Capability> capabilities) {
        this(machine, era, ramBytes, capabilities, Frames.FreePolicy.POISON);
    }

    /**
     * @param ramBytes how much RAM the page allocator may hand out (bounds the frames in use)
     * @param freePolicy what freed pages become (poison pattern, or discarded host memory for
     *                   benchmarks that free gigabytes)
     */
    public Kernel(Machine machine, KernelEra era, long ramBytes, Set<Capability> capabilities, Frames.FreePolicy freePolicy) {
        this.machine = machine;
        this.era = era;
        this.capabilities = capabilities.isEmpty() ? EnumSet.noneOf(Capability.class) : EnumSet.copyOf(capabilities);
        // RAM for the page allocator is taken at boot, before anything else takes physical memory:
        // the same frames in every era and scenario, and a reset machine hands the same buffer back.
        // Frames zeroes each page as it hands it out, so a reused buffer need not be zeroed.
        PhysicalMemory.Reserved ram = machine.allocateUnzeroed("page frames", (ramBytes + Frames.PAGE_SIZE - 1) & -Frames.PAGE_SIZE);
        this.frames = new Frames(ram.buffer(), ram.zeroed(), freePolicy, injection, events::add);
        this.addressSpace = new KernelAddressSpace(machine, injection);
        this.onlineNodes = 1;
    }

    public Machine machine() { return machine; }
    public KernelEra era() { return era; }
    public Frames frames() { return frames; }
    public KernelAddressSpace addressSpace() { return addressSpace; }
    public FaultInjection faultInjection() { return injection; }

    /** capable(cap) for the caller. */
    public boolean capable(Capability cap) {
        return capabilities.contains(cap);
    }

    public Set<Capability> capabilities() {
        return Collections.unmodifiableSet(capabilities);
    }

    /** nr_node_ids; node 0 is the only node and it is online. */
    public int nodeCount() {
        return onlineNodes;
    }

    /** node_online(node). */
    public boolean nodeOnline(int node) {
        return node >= 0 && node < onlineNodes;
    }

    /** Everything the kernel reported (use-after-free, WARN_ON, dangling VMAs), in order. */
    public List<KernelEvent> events() {
        return Collections.unmodifiableList(events);
    }

    /**
     * alloc_page(GFP_KERNEL | __GFP_ZERO) for the kernel's own use, such as an arena's scratch
     * page: {@link Frames#NO_PAGE} when allocation fails (including
     * {@link dev.arenaemu.kernel.inject.InjectionSite#PAGE_ALLOC}).
     */
    public long allocKernelPage(String where) {
        return frames.allocPage(where);
    }

    /**
     * schedule_work() on the system workqueue: {@code work} runs at the next
     * {@link #runPendingWork()}, which the caller (scenario step, test) decides, as the kernel's
     * scheduler would.
     */
    public void scheduleWork(Runnable work) {
        workqueue.add(work);
    }

    /** Runs every queued work item (and any they queue) in order; returns how many ran. */
    public int runPendingWork() {
        int ran = 0;
        while (!workqueue.isEmpty()) {
            workqueue.removeFirst().run();
            ran++;
        }
        return ran;
    }

    /** Work items queued and not yet run. */
    public int pendingWork() {
        return workqueue.size();
    }

    /** Adds a report to {@link #events()}. */
    public void report(KernelEvent event) {
        events.add(event);
    }
}
