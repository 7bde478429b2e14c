package dev.arenaemu.scenarios.sweep;

import dev.arenaemu.scenarios.replay.Outcome;
import dev.arenaemu.scenarios.replay.ScenarioRunner;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A fixed pool of threads for the sweep's runs, each thread with a runner of its own. A replay
 * builds its own World (and so its own Machine and Unicorn engines, which are not thread-safe),
 * so runs on different threads share nothing but the JVM-wide wall-clock watchdog and the
 * compiled-object cache, both of which are made for concurrent machines. Giving each thread its
 * own runner keeps that true even for a runner that keeps per-run state.
 */
final class SweepWorkers implements AutoCloseable {
    private final ExecutorService pool;
    private final ThreadLocal<ScenarioRunner> runner;

    SweepWorkers(Supplier<? extends ScenarioRunner> runners, int threads) {
        this.runner = ThreadLocal.withInitial(runners);
        this.pool = Executors.newFixedThreadPool(threads, named());
    }

    /** Runs {@code work} with the worker thread's own runner; the future completes with its outcome. */
    CompletableFuture<Outcome> submit(Function<ScenarioRunner, Outcome> work) {
        return CompletableFuture.supplyAsync(() -> work.apply(runner.get()), pool);
    }

    /**
     * Drops the runs not started yet (the caller only closes early when it failed) and waits for
     * the ones in progress: a replay cannot be interrupted, but each is bounded by its budgets.
     */
    @Override
    public void close() {
        pool.shutdownNow();
        pool.close();
    }

    /** Daemon threads, so a stuck sweep never keeps the JVM alive after main returns. */
    private static ThreadFactory named() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "arena-emu sweep worker " + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
