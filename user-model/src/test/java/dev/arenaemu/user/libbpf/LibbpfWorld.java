package dev.arenaemu.user.libbpf;

import dev.arenaemu.ArenaEmu;
import dev.arenaemu.BootOptions;
import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.kernel.Capability;
import dev.arenaemu.kernel.Kernel;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.bpf.BpfSyscall;
import dev.arenaemu.user.Process;
import dev.arenaemu.user.Processes;

import java.util.EnumSet;
import java.util.Set;

/** A booted system of one era (machine, kernel, its bpf syscall, processes) and one user process that loads objects. */
final class LibbpfWorld implements AutoCloseable {
    final ArenaEmu emu;
    final Machine machine;
    final Kernel kernel;
    final Processes processes;
    final BpfSyscall bpf;
    final Process user;

    LibbpfWorld(KernelEra era) {
        this(era, EnumSet.allOf(Capability.class));
    }

    LibbpfWorld(KernelEra era, Set<Capability> caps) {
        emu = ArenaEmu.boot(BootOptions.of(era).withCapabilities(caps));
        machine = emu.machine();
        kernel = emu.kernel();
        processes = emu.processes();
        bpf = emu.bpf();
        user = emu.spawn();
    }

    /** bpf_object__open + bpf_object__load of a compiled test program in {@link #user}. */
    BpfSkeleton load(String source, OpenOptions options, String... noAutoload) throws LibbpfException {
        LibbpfObject object = LibbpfObject.open(BpfObjects.compile(source), options);
        for (String p : noAutoload) object.setAutoload(p, false);
        return object.load(user, bpf);
    }

    @Override
    public void close() {
        emu.close();
    }
}
