package dev.arenaemu.emulator.cpu;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Machines that have been {@link Machine#reset() reset} to their boot state, for callers that
 * build one machine per short job (a scenario replay, a sweep run): booting one costs about a
 * millisecond and its engines and the page tables an arena pre-populates several more, while a
 * reset machine shows the next job exactly what a new one would. Thread-safe; a machine is used
 * by one thread at a time, and the pool keeps at most a few idle ones.
 */
public final class MachinePool {
    private static final MachinePool SHARED = new MachinePool(4);
    /**
     * A machine is closed after this many jobs: on Unicorn 2.0.1 the engines grew by a few KB per
     * job they served (measured there: ~5 KB per replay with a fixed Java heap; not re-measured on
     * 2.1.4), which a new machine per thousand jobs keeps bounded at the cost of one boot.
     */
    static final int MAX_JOBS_PER_MACHINE = 1000;

    private final int capacity;
    private final Deque<Machine> idle = new ArrayDeque<>();
    private long booted, reused;

    public MachinePool(int capacity) {
        this.capacity = capacity;
    }

    /** The JVM-wide pool. */
    public static MachinePool shared() {
        return SHARED;
    }

    /** A machine in its boot state with the default CPU count: an idle one if any, else a new one. */
    public Machine take() {
        return take(Machine.DEFAULT_CPUS);
    }

    /** A machine in its boot state with {@code cpus} kernel CPUs: an idle one if any, else a new one. */
    public Machine take(int cpus) {
        synchronized (this) {
            for (java.util.Iterator<Machine> it = idle.iterator(); it.hasNext(); ) {
                Machine m = it.next();
                if (m.cpuCount() != cpus) continue;
                it.remove();
                reused++;
                return m;
            }
            booted++;
        }
        return new Machine(cpus);
    }

    /**
     * Gives a machine back after use: it is reset and kept, or closed when the pool is full or
     * it cannot be reset (user CPUs still live after a job that stopped half-way).
     */
    public void give(Machine machine) {
        if (machine.resets() >= MAX_JOBS_PER_MACHINE) {
            machine.close();
            return;
        }
        try {
            machine.reset();
        } catch (RuntimeException notReusable) {
            machine.close();
            return;
        }
        synchronized (this) {
            if (idle.size() < capacity) {
                idle.addFirst(machine);
                return;
            }
        }
        machine.close();
    }

    /** Machines booted and machines reused by {@link #take()} so far. */
    public synchronized long bootedCount() { return booted; }
    public synchronized long reusedCount() { return reused; }
}
