package dev.arenaemu.user;

import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.kernel.Capability;
import dev.arenaemu.kernel.Kernel;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.arena.Arena;
import dev.arenaemu.kernel.arena.ArenaAttr;

import java.util.EnumSet;

/** A machine, a kernel of one era and its processes, closed after each test. */
final class UserWorld implements AutoCloseable {
    final Machine machine = new Machine();
    final Kernel kernel;
    final Processes processes;

    UserWorld(KernelEra era) {
        kernel = new Kernel(machine, era, 256L << 20, EnumSet.allOf(Capability.class));
        processes = new Processes(kernel);
    }

    UserWorld() {
        this(KernelEra.V6_13);
    }

    Arena arena(long pages, int flags, long mapExtra) {
        return Arena.create(kernel, ArenaAttr.of(pages, flags, mapExtra)).orThrow();
    }

    @Override
    public void close() {
        for (Process p : processes.live()) p.exit();
        machine.close();
    }
}
