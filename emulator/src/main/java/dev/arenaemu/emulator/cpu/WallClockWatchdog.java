package dev.arenaemu.emulator.cpu;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Ends runs that overstay their wall-clock budget. uc_emu_start's own timeout starts and joins a
 * timer thread on every call (measured: ~120 µs per run against ~7 µs without one, see
 * emulator/docs/costs.md), so one daemon thread per JVM does the job instead: it looks at the
 * running CPUs every {@link #TICK_NANOS} (less often when none runs) and calls uc_emu_stop on a CPU whose deadline passed,
 * which is exactly what Unicorn's timer thread would have done.
 *
 * <p>Several machines may run at once on several threads (the parallel sweep): each running CPU
 * is an entry of a concurrent set, its deadline is guarded by its own lock ({@link Cpu#expireIfLate}),
 * and the only engine call made from this thread is uc_emu_stop, which Unicorn allows from another
 * thread. One CPU's trouble must not cost the others their budget, so a failure while stopping
 * one CPU does not end the loop.
 */
final class WallClockWatchdog {
    static final long TICK_NANOS = 2_000_000L;
    /** Idle ticks are slower; a deadline is still seen within {@code IDLE_TICK_NANOS} of its run's start. */
    private static final long IDLE_TICK_NANOS = 20_000_000L;

    private static final Set<Cpu> RUNNING = ConcurrentHashMap.newKeySet();
    private static volatile Thread thread;

    private WallClockWatchdog() {}

    static void watch(Cpu cpu) {
        RUNNING.add(cpu);
        if (thread == null) start();
    }

    static void unwatch(Cpu cpu) {
        RUNNING.remove(cpu);
    }

    private static synchronized void start() {
        if (thread != null) return;
        Thread t = new Thread(WallClockWatchdog::loop, "arena-emu wall-clock watchdog");
        t.setDaemon(true);
        t.start();
        thread = t;
    }

    private static void loop() {
        while (true) {
            LockSupport.parkNanos(RUNNING.isEmpty() ? IDLE_TICK_NANOS : TICK_NANOS);
            long now = System.nanoTime();
            for (Cpu cpu : RUNNING) {
                try {
                    cpu.expireIfLate(now);
                } catch (RuntimeException e) {
                    // The thread dying would leave every machine of the JVM without a wall clock;
                    // this CPU is tried again at the next tick.
                }
            }
        }
    }
}
