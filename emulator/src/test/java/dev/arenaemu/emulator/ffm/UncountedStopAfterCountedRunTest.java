package dev.arenaemu.emulator.ffm;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Can a run with count 0 be stopped from another thread after the same engine has run with a
 * count? On Unicorn 2.0.1 it could not: the engine spun on {@code jmp $} for more than 2 s after
 * uc_emu_stop (emulator/docs/costs.md, budget section), which is why every {@code Cpu.run} passes
 * a count and {@code Machine.uncounted()} exists. This test measures it on the loaded libunicorn,
 * on a raw engine through the binding, without paging. The spinning run is on its own daemon
 * thread joined with a deadline, so a libunicorn that cannot stop it fails the test instead of
 * hanging the suite (the thread and its engine are then left spinning until the JVM exits).
 */
class UncountedStopAfterCountedRunTest {
    private static final long CODE = 0x1000;
    private static final long DEADLINE_MS = 5_000;

    @Test
    void anUncountedRunAfterACountedRunStopsFromAnotherThread() throws InterruptedException {
        assertStopsFromAnotherThread(true);
    }

    @Test
    void anUncountedRunOnAnEngineThatNeverCountedStopsFromAnotherThread() throws InterruptedException {
        assertStopsFromAnotherThread(false);
    }

    /** Unicorn's own timeout is a thread of its own calling uc_emu_stop: the same question. */
    @Test
    void unicornsOwnTimeoutEndsAnUncountedRunAfterACountedRun() throws InterruptedException {
        Unicorn uc = new Unicorn();
        uc.memMap(CODE, 0x1000, Unicorn.PROT_ALL);
        uc.memWrite(CODE, new byte[] {(byte) 0xEB, (byte) 0xFE});          // jmp $
        uc.start(CODE, CODE + 2, 0, 100);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread spinner = Thread.ofPlatform().daemon().name("uncounted-timeout").start(() -> {
            try {
                uc.start(CODE, CODE + 2, 50_000, 0);                        // 50 ms timeout, no count
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        long started = System.nanoTime();
        spinner.join(DEADLINE_MS);
        System.out.printf("count-0 run with a 50 ms timeout after a counted run ended after %.3f ms%n",
            (System.nanoTime() - started) / 1e6);
        if (spinner.isAlive())
            fail("a 50 ms uc_emu_start timeout did not end a count-0 run within " + DEADLINE_MS + " ms after a counted run");
        assertNull(failure.get(), "the timed-out run returned an error");
        uc.close();
    }

    private static void assertStopsFromAnotherThread(boolean countedFirst) throws InterruptedException {
        Unicorn uc = new Unicorn();
        uc.memMap(CODE, 0x1000, Unicorn.PROT_ALL);
        uc.memWrite(CODE, new byte[] {(byte) 0xEB, (byte) 0xFE});          // jmp $
        if (countedFirst) uc.start(CODE, CODE + 2, 0, 100);                 // ends after 100 instructions
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread spinner = Thread.ofPlatform().daemon().name("uncounted-spin").start(() -> {
            try {
                uc.start(CODE, CODE + 2, 0, 0);                             // no count, no timeout
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        Thread.sleep(50);                                                    // let it enter the loop
        assertFalse(!spinner.isAlive() && failure.get() == null, "the jmp $ run ended on its own");
        long stopped = System.nanoTime();
        uc.stopFromAnotherThread();                                          // one stop, as 2.0.1 was measured
        spinner.join(DEADLINE_MS);
        System.out.printf("count-0 run%s stopped after %.3f ms%n",
            countedFirst ? " after a counted run" : "", (System.nanoTime() - stopped) / 1e6);
        if (spinner.isAlive())
            fail("uc_emu_stop from another thread did not stop a count-0 run within " + DEADLINE_MS + " ms"
                + (countedFirst ? " after a counted run" : ""));
        assertNull(failure.get(), "the stopped run returned an error");
        uc.close();
    }
}
