package dev.arenaemu.kernel.bpf;

import dev.arenaemu.kernel.arena.Arena;
import dev.arenaemu.kernel.bpf.jit.LoadedProgram;
import dev.arenaemu.kernel.bpf.verifier.VerifiedProgram;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * A loaded program (struct bpf_prog): the verifier's output, the JIT image in the module area,
 * whether it is sleepable (SEC("syscall") and the ".s" types: BPF_F_SLEEPABLE), and the maps it
 * holds references on (prog->aux->used_maps; the arena among them is prog->aux->arena). Holding
 * those references is what keeps an arena alive after its fd is closed and its mappings are gone
 * (docs/semantics.md#teardown, catalogue 68); {@link BpfSyscall#progRelease} drops them. A program loaded with
 * jit_requested off (only possible without an arena) has no image and runs in the interpreter.
 */
public final class BpfProg {
    private final String name;
    private final String section;
    private final boolean sleepable;
    private final VerifiedProgram verified;
    private final LoadedProgram jited;
    private final List<String> interpreterStderr = Collections.synchronizedList(new ArrayList<>());
    private final List<BpfMap> usedMaps;
    private final BpfMap.ArenaMap arena;
    private boolean released;

    BpfProg(String name, String section, boolean sleepable, VerifiedProgram verified, LoadedProgram jited, List<BpfMap> usedMaps,
            BpfMap.ArenaMap arena) {
        this.name = name;
        this.section = section;
        this.sleepable = sleepable;
        this.verified = verified;
        this.jited = jited;
        this.usedMaps = List.copyOf(usedMaps);
        this.arena = arena;
    }

    public String name() { return name; }
    public String section() { return section; }
    public boolean sleepable() { return sleepable; }
    public VerifiedProgram verified() { return verified; }
    /** The JIT image in the module area; empty when the program runs in the interpreter. */
    public Optional<LoadedProgram> jited() { return Optional.ofNullable(jited); }
    public List<BpfMap> usedMaps() { return usedMaps; }

    /** prog->aux->arena. */
    public Optional<BpfMap.ArenaMap> arenaMap() { return Optional.ofNullable(arena); }

    public Optional<Arena> arena() { return arenaMap().map(BpfMap.ArenaMap::arena); }

    /** Everything written to the program's stderr stream so far. */
    public List<String> stderr() {
        if (jited != null) return jited.stderr();
        synchronized (interpreterStderr) {
            return List.copyOf(interpreterStderr);
        }
    }

    /** Appends a line to the program's stderr stream (fault reports). */
    void report(String line) {
        if (jited != null) jited.reportToStderr(line);
        else interpreterStderr.add(line);
    }

    public boolean isReleased() { return released; }

    void markReleased() { released = true; }

    @Override
    public String toString() {
        return "BpfProg(" + name + ", SEC(\"" + section + "\"))";
    }
}
