package dev.arenaemu.user;

import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.kernel.Kernel;
import dev.arenaemu.kernel.mm.Frames;
import dev.arenaemu.user.exec.UserStubs;
import dev.arenaemu.user.mm.AnonMemory;
import dev.arenaemu.user.mm.Fork;
import dev.arenaemu.user.mm.Mm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The processes of one machine: pid allocation, creation (an exec'd process with a stack) and
 * fork. Owns what all processes share: the user access stubs, placed once in the machine's
 * user-executable page, and the pool of anonymous memory (one pool, not one buffer per process,
 * because each buffer takes a 4 GiB slot of the machine's physical window).
 */
public final class Processes {
    private final Machine machine;
    private final Frames frames;
    private final UserStubs stubs;
    private final AnonMemory anon;
    private final List<Process> live = new ArrayList<>();
    private int nextPid = 1;

    /** The processes of {@code kernel}'s machine; file pages are counted in its {@link Frames}. */
    public Processes(Kernel kernel) {
        this(kernel.machine(), kernel.frames());
    }

    public Processes(Machine machine, Frames frames) {
        this.machine = machine;
        this.frames = frames;
        this.stubs = new UserStubs(machine);
        this.anon = new AnonMemory(machine);
    }

    /** A new process with an empty address space except its stack (what exec leaves). */
    public Process spawn() {
        int pid = nextPid++;
        Process p = new Process(this, pid, new Mm(machine, frames, anon, "pid " + pid), new TreeMap<>());
        p.mapStack();
        live.add(p);
        return p;
    }

    /** fork(): the child gets dup_mmap's copy of the address space and the parent's fd table. */
    Process fork(Process parent) {
        int pid = nextPid++;
        Process child = new Process(this, pid, Fork.dupMmap(parent.mm(), "pid " + pid), new TreeMap<>(parent.fdTable()));
        live.add(child);
        return child;
    }

    void exited(Process p) {
        live.remove(p);
    }

    /** Anonymous bytes mapped by all processes (for invariants: 0 once every process exited). */
    public long anonBytesInUse() {
        return anon.inUse();
    }

    public List<Process> live() {
        return List.copyOf(live);
    }

    public Machine machine() { return machine; }
    public Frames frames() { return frames; }
    UserStubs stubs() { return stubs; }

}
