package dev.arenaemu.scenarios.replay;

import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.emulator.cpu.MachinePool;
import dev.arenaemu.emulator.paging.PageTable;
import dev.arenaemu.kernel.Capability;
import dev.arenaemu.kernel.Kernel;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.arena.Arena;
import dev.arenaemu.kernel.arena.ArenaAttr;
import dev.arenaemu.kernel.arena.RangeTree;
import dev.arenaemu.kernel.arena.VmaListEntry;
import dev.arenaemu.kernel.bpf.BpfMap;
import dev.arenaemu.kernel.bpf.BpfProg;
import dev.arenaemu.kernel.bpf.BpfSyscall;
import dev.arenaemu.kernel.bpf.MapCreateResult;
import dev.arenaemu.scenarios.check.WorldState;
import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.format.Expr;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Everything a scenario runs against: the emulated machine, the modelled kernel of the chosen
 * era with its bpf(2) syscall, the arena (the first one created successfully), the user
 * processes, and the symbols steps have bound. Arenas are created with BPF_MAP_CREATE; the
 * World holds the creator's reference on each (the scenario's "map fd") until teardown. Also takes the {@link WorldState} snapshots the trace and the invariant
 * checker read — from the real page-table bytes, not from the models' bookkeeping.
 */
public final class World implements AutoCloseable, Expr.Symbols {
    /** RAM the page allocator may hand out: enough for every corpus scenario, small enough to hit OOM on purpose. */
    public static final long RAM_BYTES = 1L << 30;

    private final Machine machine;
    private final Kernel kernel;
    private final Era era;
    private final BpfSyscall bpf;
    private final List<BpfMap.ArenaMap> arenas = new ArrayList<>();
    private final Map<String, BpfMap.ArenaMap> byName = new HashMap<>();
    private final Map<String, Long> bound = new HashMap<>();
    private final ProcessTable processes;
    private BpfMap.ArenaMap arenaMap;
    private final MachinePool pool;
    private boolean tornDown;
    /** The arena of {@link #arenaMap}, the one the snapshots, symbols and expectations talk about. */
    private Arena arena;

    public World(Era era, List<String> initialProcesses) {
        this(era, initialProcesses, EnumSet.allOf(Capability.class));
    }

    public World(Era era, List<String> initialProcesses, java.util.Set<Capability> capabilities) {
        this(era, initialProcesses, capabilities, null);
    }

    /**
     * A world on a machine from {@code pool} (null: a new machine of its own). A pooled machine
     * goes back to the pool at {@link #close()} when {@link #teardown()} completed, else it is closed.
     */
    public World(Era era, List<String> initialProcesses, java.util.Set<Capability> capabilities, MachinePool pool) {
        this.era = era;
        this.pool = pool;
        this.machine = pool == null ? new Machine() : pool.take();
        this.kernel = new Kernel(machine, kernelEra(era), RAM_BYTES, capabilities);
        // owns the JIT module area and the kernel CPU's fault handler: nothing else may make a JitRuntime here
        this.bpf = BpfSyscall.of(kernel);
        this.processes = new ProcessTable(kernel);
        for (String p : initialProcesses) processes.spawn(p);
    }

    /** The scenario's capability names as the kernel model's enum. */
    public static java.util.Set<Capability> capabilities(java.util.Collection<String> names) {
        java.util.Set<Capability> out = EnumSet.noneOf(Capability.class);
        for (String n : names) out.add(Capability.valueOf(n));
        return out;
    }

    public static KernelEra kernelEra(Era era) {
        return switch (era) {
            case V6_13 -> KernelEra.V6_13;
            case V7_0 -> KernelEra.V7_0;
            case LATEST -> KernelEra.LATEST;
        };
    }

    public Machine machine() { return machine; }
    public Kernel kernel() { return kernel; }
    public Era era() { return era; }
    public ProcessTable processes() { return processes; }
    public BpfSyscall bpf() { return bpf; }

    /** The scenario's arena, once a create step succeeded. */
    public Optional<Arena> arena() {
        return Optional.ofNullable(arena);
    }

    public Arena requireArena(String place) throws ReplayError {
        if (arena == null) throw new ReplayError(place + ": no arena has been created yet");
        return arena;
    }

    /** The scenario's arena as the BPF map processes map and programs bind, once a create step succeeded. */
    public BpfMap.ArenaMap requireArenaMap(String place) throws ReplayError {
        requireArena(place);
        return arenaMap;
    }

    /** Every arena map created successfully, in order. */
    public List<BpfMap.ArenaMap> arenaMaps() {
        return List.copyOf(arenas);
    }

    /** The arena map created under {@code name} (the "name" of create_arena; "arena" by default), if any. */
    public Optional<BpfMap.ArenaMap> arenaMap(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /**
     * BPF_MAP_CREATE of an arena named {@code name}; the World keeps the creator's reference. The
     * first arena created is the scenario's arena.
     */
    MapCreateResult createArena(String name, ArenaAttr attr) {
        MapCreateResult r = bpf.mapCreateArena(name, attr);
        if (r instanceof MapCreateResult.Created c) {
            BpfMap.ArenaMap created = (BpfMap.ArenaMap) c.map();
            arenas.add(created);
            byName.putIfAbsent(name, created);
            if (arenaMap == null) {
                arenaMap = created;
                arena = created.arena();
            }
        }
        return r;
    }

    public void bind(String name, long value) {
        bound.put(name, value);
    }

    @Override
    public long lookup(String name) {
        switch (name) {
            case "PAGE": return 4096;
            case "NULL": return 0;
            default: break;
        }
        Long v = bound.get(name);
        if (v != null) return v;
        if (arena == null) throw new Expr.Unbound("\"" + name + "\" needs an arena, and none has been created yet");
        return switch (name) {
            case "base" -> arena.userVmStart();
            case "end" -> arena.userVmEnd();
            case "size" -> arena.userVmEnd() - arena.userVmStart();
            case "kern_vm_start" -> arena.kernVmStart();
            default -> throw new Expr.Unbound("unknown symbol \"" + name + "\"");
        };
    }

    // ---- snapshots ---------------------------------------------------------------------

    /** The state the invariants and the trace talk about; cost grows with the present PTEs only. */
    public WorldState state() {
        Optional<WorldState.ArenaState> a = Optional.empty();
        Map<Long, WorldState.FrameCount> frames = new HashMap<>();
        if (arena != null && !arena.isFreed()) {
            PageTable kt = machine.kernelPageTable();
            TreeMap<Long, Long> kptes = new TreeMap<>(Long::compareUnsigned);
            long from = arena.kernVm().addr(), to = from + arena.kernVm().size();
            kt.forEachPresent(from, to, va -> kptes.put(va, kt.entry(va) & WorldState.PTE_KEEP));
            List<WorldState.Run> runs = new ArrayList<>();
            for (RangeTree.Run r : arena.freeRuns()) runs.add(new WorldState.Run(r.start(), r.length()));
            List<WorldState.VmaRef> vmas = new ArrayList<>();
            for (VmaListEntry e : arena.vmaList()) vmas.add(new WorldState.VmaRef(e.vma().start(), e.vma().end(), e.vma().alive(), e.mmapCount()));
            a = Optional.of(new WorldState.ArenaState(arena.userVmStart(), arena.userVmEnd(), arena.kernVmStart(), Arena.GUARD_SZ,
                kptes, runs, vmas, arena.scratchPage()));
            for (long pte : kptes.values()) frame(frames, WorldState.frameOf(pte));
        }
        List<WorldState.SpaceState> spaces = processes.snapshot(arenaMap);
        for (WorldState.SpaceState s : spaces) for (long pte : s.ptes().values()) frame(frames, WorldState.frameOf(pte));
        return new WorldState(a, spaces, frames);
    }

    private void frame(Map<Long, WorldState.FrameCount> out, long phys) {
        out.computeIfAbsent(phys, p -> new WorldState.FrameCount(p, kernel.frames().refcount(p), kernel.frames().inUse(p)));
    }

    /** Frames the page allocator has handed out and not got back. */
    public long framesInUse() {
        return kernel.frames().used();
    }

    /** The in-use frames, for naming leaks. */
    public List<Long> framesInUseList() {
        return kernel.frames().snapshot().stream().map(f -> f.phys()).toList();
    }

    /**
     * Process exit for every process still alive (their fds and mappings drop their references),
     * then close() of every program fd and of the creator's map fds: the last reference frees
     * each arena (arena_map_free), in that order as on a real system.
     */
    public void teardown() {
        processes.exitAll();
        for (BpfProg p : bpf.progs()) bpf.progRelease(p);
        for (BpfMap.ArenaMap m : arenas) bpf.mapRelease(m);
        arenas.clear();
        byName.clear();
        tornDown = true;
    }

    @Override
    public void close() {
        if (pool != null && tornDown) pool.give(machine);
        else machine.close();
    }
}
