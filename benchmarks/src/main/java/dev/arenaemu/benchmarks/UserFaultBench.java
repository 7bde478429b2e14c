package dev.arenaemu.benchmarks;

import dev.arenaemu.ArenaEmu;
import dev.arenaemu.BootOptions;
import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.arena.Arena;
import dev.arenaemu.kernel.arena.ArenaAttr;
import dev.arenaemu.user.Process;
import dev.arenaemu.user.exec.UserResult;
import dev.arenaemu.user.mm.MapFlag;
import dev.arenaemu.user.mm.Prot;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * The user fault-in round trip, one fault per operation: user code at CPL3 reads the first word
 * of {@link #PAGES} arena pages; each read is a #PF on the process's CPU → do_user_addr_fault →
 * VMA lookup → arena_vm_fault → user PTE → retry. Read the median (p0.50) of the sample-time
 * distribution.
 * <ul>
 *   <li>{@code populating}: the arena has no page there yet, so the fault also takes the pgoff
 *       from the range tree, allocates a zeroed frame and writes the kernel PTE (scenario 28);
 *       between invocations bpf_arena_free_pages empties the arena again (zapping the user PTEs).</li>
 *   <li>{@code existingPage}: every page is populated; the process re-maps the arena over itself
 *       between invocations (scenario 67), so only the user PTEs are missing.</li>
 * </ul>
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class UserFaultBench {
    static final int PAGES = 1024;
    static final long SIZE = PAGES * 4096L;

    /**
     * touch(rdi = first page, rsi = count): one load per page.
     * <pre>
     * loop: 48 8B 07              mov rax, [rdi]
     *       48 81 C7 00 10 00 00  add rdi, 0x1000
     *       48 FF CE              dec rsi
     *       75 F1                 jnz loop
     *       C3                    ret
     * </pre>
     */
    static final byte[] TOUCH = {0x48, (byte) 0x8B, 0x07, 0x48, (byte) 0x81, (byte) 0xC7, 0x00, 0x10, 0x00, 0x00,
        0x48, (byte) 0xFF, (byte) 0xCE, 0x75, (byte) 0xF1, (byte) 0xC3};

    @State(Scope.Thread)
    public static class World {
        @Param({"V6_13", "V7_0", "LATEST"})
        public String era;

        ArenaEmu emu;
        Arena arena;
        Process process;
        int fd;
        long base;
        long touch;

        @Setup(Level.Trial)
        public void boot() {
            emu = ArenaEmu.boot(BootOptions.of(KernelEra.valueOf(era)).withRamBytes(64L << 20));
            arena = Arena.create(emu.kernel(), ArenaAttr.of(PAGES, 0, 0)).orThrow();
            process = emu.spawn();
            fd = process.installFd(arena);
            base = check(process.mmap(0, SIZE, Prot.RW, MapFlag.SHARED.bit, fd, 0));
            touch = check(process.loadCode(TOUCH));
        }

        /** Empties the arena: every page freed, every user PTE zapped. */
        void freeAll() {
            arena.freePages(base, PAGES);
        }

        /** Populates every page, then replaces the VMA so that no user PTE is left. */
        void populateThenRemap() {
            run();
            check(process.mmap(base, SIZE, Prot.RW, MapFlag.SHARED.bit | MapFlag.FIXED.bit, fd, 0));
        }

        UserResult run() {
            UserResult r = process.call(touch, Budget.DEFAULT, base, PAGES);
            if (!(r instanceof UserResult.Exited)) throw new IllegalStateException("touch loop ended with " + r);
            return r;
        }

        @TearDown(Level.Trial)
        public void shutdown() {
            process.exit();
            emu.close();
        }

        private static long check(long ret) {
            if (Errno.isErrValue(ret)) throw new IllegalStateException("setup failed: " + Errno.describe(ret));
            return ret;
        }
    }

    @State(Scope.Thread)
    public static class Populating extends World {
        @Setup(Level.Invocation)
        public void empty() {
            freeAll();
        }
    }

    @State(Scope.Thread)
    public static class Existing extends World {
        @Setup(Level.Invocation)
        public void remap() {
            populateThenRemap();
        }
    }

    @Benchmark
    @OperationsPerInvocation(PAGES)
    public UserResult populating(Populating w) {
        return w.run();
    }

    @Benchmark
    @OperationsPerInvocation(PAGES)
    public UserResult existingPage(Existing w) {
        return w.run();
    }
}
