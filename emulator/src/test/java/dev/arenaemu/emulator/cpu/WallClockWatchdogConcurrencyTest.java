package dev.arenaemu.emulator.cpu;

import dev.arenaemu.emulator.x86.X86Reg;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * The one watchdog thread serves several machines running at once on several threads (issue 6:
 * the parallel sweep runs one machine per worker): every overdue run is stopped, and a stop meant
 * for one machine never ends another machine's run.
 */
class WallClockWatchdogConcurrencyTest {
    private static final byte[] SPIN = Guest.x86(0xEB, 0xFE);    // jmp $
    private static final byte[] COUNT_DOWN = Guest.x86(
        0x48, 0xFF, 0xC9,                                         // loop: dec rcx
        0x75, 0xFB);                                              //       jnz loop

    @Test
    void everyOverdueRunOfSeveralConcurrentMachinesEndsOnTheWallClock() throws Exception {
        List<Callable<RunResult>> spinners = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            spinners.add(() -> {
                try (Guest g = new Guest(1)) {
                    Stubs.Stub spin = g.kernelCode(SPIN);
                    return g.kernel.run(spin.address(), spin.end(), new Budget(Long.MAX_VALUE, 30_000, 10));
                }
            });
        }
        for (RunResult r : runConcurrently(spinners)) {
            assertEquals(RunResult.Limit.WALL_CLOCK, assertInstanceOf(RunResult.BudgetExhausted.class, r).limit());
        }
    }

    @Test
    void overdueRunsOnOneMachineDoNotStopTheRunsOfAnother() throws Exception {
        Callable<List<RunResult>> spinner = () -> {
            List<RunResult> results = new ArrayList<>();
            try (Guest g = new Guest(1)) {
                Stubs.Stub spin = g.kernelCode(SPIN);
                for (int i = 0; i < 10; i++) results.add(g.kernel.run(spin.address(), spin.end(), new Budget(Long.MAX_VALUE, 5_000, 10)));
            }
            return results;
        };
        Callable<List<RunResult>> counter = () -> {
            List<RunResult> results = new ArrayList<>();
            try (Guest g = new Guest(1)) {
                Stubs.Stub count = g.kernelCode(COUNT_DOWN);
                for (int i = 0; i < 10; i++) {
                    g.kernel.reg(X86Reg.RCX, 200_000);
                    results.add(g.kernel.run(count.address(), count.end(), Budget.DEFAULT));
                    assertEquals(0, g.kernel.reg(X86Reg.RCX), "the count-down ran to the end");
                }
            }
            return results;
        };
        List<List<RunResult>> both = runConcurrently(List.of(spinner, counter));
        for (RunResult r : both.get(0)) assertEquals(RunResult.Limit.WALL_CLOCK, assertInstanceOf(RunResult.BudgetExhausted.class, r).limit());
        for (RunResult r : both.get(1)) assertInstanceOf(RunResult.Returned.class, r, "another machine's deadline never stops this one");
    }

    /** Runs each task on its own thread, all at once; their results in task order. */
    private static <T> List<T> runConcurrently(List<Callable<T>> tasks) throws Exception {
        try (ExecutorService threads = Executors.newFixedThreadPool(tasks.size())) {
            List<Future<T>> futures = threads.invokeAll(tasks);
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) out.add(f.get());
            return out;
        }
    }
}
