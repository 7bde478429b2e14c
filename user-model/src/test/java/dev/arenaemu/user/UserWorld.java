package dev.arenaemu.user;

import dev.arenaemu.ArenaEmu;
import dev.arenaemu.BootOptions;
import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.Kernel;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.arena.Arena;
import dev.arenaemu.kernel.arena.ArenaAttr;
import dev.arenaemu.user.mm.MapFlag;
import dev.arenaemu.user.mm.Prot;

/** A booted system of one era (machine, kernel, processes), closed after each test. */
final class UserWorld implements AutoCloseable {
    static final long SHARED = MapFlag.SHARED.bit;
    /** The size of the arena mapping most tests make: 4 pages. */
    static final long K16 = 16 * 1024;

    final ArenaEmu emu;
    final Machine machine;
    final Kernel kernel;
    final Processes processes;

    UserWorld(KernelEra era) {
        emu = ArenaEmu.boot(BootOptions.of(era).withRamBytes(256L << 20));
        machine = emu.machine();
        kernel = emu.kernel();
        processes = emu.processes();
    }

    UserWorld() {
        this(KernelEra.V6_13);
    }

    Arena arena(long pages, int flags, long mapExtra) {
        return Arena.create(kernel, ArenaAttr.of(pages, flags, mapExtra)).orThrow();
    }

    /** mmap(NULL, 16 KiB, prot, MAP_SHARED, fd, 0) of {@code arena} through a new fd of {@code u}; must succeed. */
    static long mapArena(Process u, Arena arena, int prot) {
        long x = u.mmap(0, K16, prot, SHARED, u.installFd(arena), 0);
        if (Errno.isErrValue(x)) throw new AssertionError("mmap of the arena: " + Errno.describe(x));
        return x;
    }

    static long mapArena(Process u, Arena arena) {
        return mapArena(u, arena, Prot.RW);
    }

    /** A test body given a booted world and one fresh process in it. */
    @FunctionalInterface
    interface ProcessTest {
        void run(UserWorld w, Process p);
    }

    /** A test body given a booted world, a 4-page arena and the arena's 16 KiB mapping at {@code x} in one fresh process. */
    @FunctionalInterface
    interface MappedArenaTest {
        void run(UserWorld w, Arena arena, Process u, long x);
    }

    /** A test body given a booted world, a 4-page arena, one fresh process and the arena's fd in it (not mapped yet). */
    @FunctionalInterface
    interface ArenaFdTest {
        void run(UserWorld w, Arena arena, Process u, int fd);
    }

    /** Runs {@code test} on a world of {@code era} with a 4-page arena of {@code flags} installed as an fd of one fresh process. */
    static void withArenaFd(KernelEra era, int flags, ArenaFdTest test) {
        try (UserWorld w = new UserWorld(era)) {
            Arena arena = w.arena(4, flags, 0);
            Process u = w.processes.spawn();
            test.run(w, arena, u, u.installFd(arena));
        }
    }

    /** Runs {@code test} on a world of {@code era} with one fresh process; the world is closed after it. */
    static void withProcess(KernelEra era, ProcessTest test) {
        try (UserWorld w = new UserWorld(era)) {
            test.run(w, w.processes.spawn());
        }
    }

    /**
     * Runs {@code test} on a world of {@code era} with a 4-page arena of {@code flags} (map_extra 0),
     * mapped read-write at an address the kernel picks in one fresh process (the set-up of most
     * catalogue scenarios); the world is closed after it.
     */
    static void withMappedArena(KernelEra era, int flags, MappedArenaTest test) {
        try (UserWorld w = new UserWorld(era)) {
            Arena arena = w.arena(4, flags, 0);
            Process u = w.processes.spawn();
            test.run(w, arena, u, mapArena(u, arena));
        }
    }

    @Override
    public void close() {
        emu.close();
    }
}
