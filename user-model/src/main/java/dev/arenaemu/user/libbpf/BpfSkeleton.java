package dev.arenaemu.user.libbpf;

import dev.arenaemu.kernel.bpf.BpfMap;
import dev.arenaemu.kernel.bpf.BpfProg;
import dev.arenaemu.kernel.bpf.BpfSyscall;
import dev.arenaemu.kernel.bpf.elf.DataSection;
import dev.arenaemu.user.Process;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A loaded object as a bpftool-generated skeleton exposes it: programs by name (each with
 * BPF_PROG_TEST_RUN), the global-data maps ({@code skel->bss}), the arena mapping in the loading
 * process ({@code bpf_map__initial_value(arena)} = base and size, {@code skel->arena} = the
 * {@code __arena} globals at base + arena_data_off). {@link #destroy} is
 * {@code bpf_object__destroy}: programs unloaded, arena unmapped, map fds closed.
 */
public final class BpfSkeleton {
    private final LibbpfObject object;
    private final Process process;
    private final BpfSyscall bpf;
    private final Map<String, BpfMap> maps;
    private final Map<String, SkeletonProgram> programs = new LinkedHashMap<>();
    private final LibbpfObject.ArenaMapping arena;
    private boolean destroyed;

    BpfSkeleton(LibbpfObject object, Process process, BpfSyscall bpf, Map<String, BpfMap> maps, List<BpfProg> progs,
                LibbpfObject.ArenaMapping arena) {
        this.object = object;
        this.process = process;
        this.bpf = bpf;
        this.maps = new LinkedHashMap<>(maps);
        for (BpfProg p : progs) programs.put(p.name(), new SkeletonProgram(bpf, p));
        this.arena = arena;
    }

    public Process process() { return process; }
    public BpfSyscall bpf() { return bpf; }

    public SkeletonProgram program(String name) {
        SkeletonProgram p = programs.get(name);
        if (p == null) throw new IllegalArgumentException("no program " + name + " (have " + programs.keySet() + ")");
        return p;
    }

    public List<SkeletonProgram> programs() { return List.copyOf(programs.values()); }

    public Optional<BpfMap> map(String name) { return Optional.ofNullable(maps.get(name)); }

    /** The object's arena map. */
    public BpfMap.ArenaMap arenaMap() { return requireArena().map(); }

    /** Where libbpf mapped the arena in the loading process (user_vm_start). */
    public long arenaBase() { return requireArena().base(); }

    /** The arena's file descriptor in the loading process. */
    public int arenaFd() { return requireArena().fd(); }

    /** {@code bpf_map__initial_value(arena, &size)}: the mapping base; its size is {@link #arenaSize()}. */
    public long initialValue() { return arenaBase(); }

    public long arenaSize() { return requireArena().size(); }

    /** {@code skel->arena}: the user address of the {@code __arena} globals (base + arena_data_off). */
    public long arenaGlobals() { return arenaBase() + object.arenaDataOffset(); }

    /** The user address of the {@code __arena} global {@code name}. */
    public long arenaGlobal(String name) {
        DataSection globals = object.object().arenaGlobals().orElseThrow(() -> new IllegalArgumentException("no __arena globals"));
        return arenaGlobals() + globals.variable(name).orElseThrow(() -> new IllegalArgumentException("no __arena global " + name)).offset();
    }

    /** {@code skel->bss}, {@code skel->data}, {@code skel->rodata}: by section name (".bss"). */
    public GlobalData globals(String section) {
        BpfMap map = maps.get(section);
        if (!(map instanceof BpfMap.ArrayMap array)) throw new IllegalArgumentException("no global data section " + section);
        DataSection s = object.object().dataSections().stream().filter(d -> d.name().equals(section)).findFirst().orElseThrow();
        return new GlobalData(bpf, array, s);
    }

    public GlobalData bss() { return globals(".bss"); }

    /** bpf_object__destroy: unload programs, munmap the arena, close every map fd. */
    public void destroy() {
        if (destroyed) return;
        destroyed = true;
        programs.values().forEach(p -> bpf.progRelease(p.prog()));
        if (arena != null) {
            process.munmap(arena.base(), arena.size());
            process.close(arena.fd());
        }
        maps.values().forEach(bpf::mapRelease);
    }

    private LibbpfObject.ArenaMapping requireArena() {
        if (arena == null) throw new IllegalStateException("the object has no arena");
        return arena;
    }
}
