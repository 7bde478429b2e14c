package dev.arenaemu.benchmarks;

import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.kernel.Capability;
import dev.arenaemu.kernel.Kernel;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.arena.Arena;
import dev.arenaemu.kernel.arena.ArenaAttr;
import dev.arenaemu.kernel.mm.Frames;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;

/**
 * The arena's page management at full size: a 4 GiB arena (2^20 pages) on a machine with a
 * kernel CPU, kernel PTEs written into the real kernel page table, TLB flushes on free.
 * Freed pages are discarded (Frames.FreePolicy.DISCARD) so freeing 4 GiB costs no RSS.
 *
 * <p>Run: {@code ./arena-emu bench ArenaBench}
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class ArenaBench {
    static final int PAGES = 1 << 20;
    static final long BASE = 1L << 44;

    /** One machine, kernel and placed 4 GiB arena per trial. */
    @State(Scope.Benchmark)
    public static class FullArena {
        Machine machine;
        Arena arena;

        @Setup(Level.Trial)
        public void setup() {
            machine = new Machine();
            Kernel kernel = new Kernel(machine, KernelEra.LATEST, (long) PAGES * Frames.PAGE_SIZE + (1 << 20),
                EnumSet.of(Capability.CAP_BPF, Capability.CAP_PERFMON), Frames.FreePolicy.DISCARD);
            arena = Arena.create(kernel, ArenaAttr.of(PAGES, 0, BASE)).orThrow();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            arena.free();
            machine.close();
        }
    }

    /** The forked JVM's peak resident memory (VmHWM) after the operation: the 4.4 GiB bound. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class PeakRss {
        public long peakRssKb;
    }

    /** bpf_arena_alloc_pages(NULL, 2^20) then bpf_arena_free_pages(base, 2^20): one call each. */
    @Benchmark
    public long allocAndFreeAllPagesInOneCall(FullArena s, PeakRss peak) {
        long p = s.arena.allocPages(0, PAGES, -1, 0);
        if (p != BASE) throw new IllegalStateException("alloc returned 0x" + Long.toHexString(p));
        s.arena.freePages(p, PAGES);
        peak.peakRssKb = statusKb("VmHWM:");
        return p;
    }

    /** 2^20 single-page allocations, then 2^20 single-page frees (each with its own TLB flush). */
    @Benchmark
    public long allocAndFreeAllPagesOneByOne(FullArena s) {
        long last = 0;
        for (int i = 0; i < PAGES; i++) last = s.arena.allocPages(0, 1, -1, 0);
        if (last != BASE + (long) (PAGES - 1) * Frames.PAGE_SIZE) throw new IllegalStateException("last page at 0x" + Long.toHexString(last));
        for (int i = 0; i < PAGES; i++) s.arena.freePages(BASE + (long) i * Frames.PAGE_SIZE, 1);
        return last;
    }

    /** Resident memory of a fresh 4 GiB arena and after 1000 pages were allocated and written. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Rss {
        public long arenaCreateKb;
        public long thousandPagesKb;
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
    @Warmup(iterations = 0)
    @Measurement(iterations = 3)
    public long rssOfFourGibArenaWithThousandTouchedPages(Rss rss) {
        try (Machine machine = new Machine()) {
            Kernel kernel = new Kernel(machine, KernelEra.LATEST, 1L << 30, EnumSet.of(Capability.CAP_BPF), Frames.FreePolicy.POISON);
            long before = rssKb();
            Arena arena = Arena.create(kernel, ArenaAttr.of(PAGES, 0, BASE)).orThrow();
            long created = rssKb();
            for (int i = 0; i < 1000; i++) {
                long p = arena.allocPages(0, 1, -1, 0);
                long frame = arena.kernVm().pageAt(arena.kernelAddress(p));
                kernel.frames().bytes(frame).putLong(0, i);
            }
            long touched = rssKb();
            rss.arenaCreateKb = created - before;
            rss.thousandPagesKb = touched - created;
            arena.free();
            return touched;
        }
    }

    private static long rssKb() {
        return statusKb("VmRSS:");
    }

    /** A kB field of /proc/self/status (VmRSS, VmHWM). */
    private static long statusKb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
            throw new IllegalStateException("no " + field + " line");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
