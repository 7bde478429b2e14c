package dev.arenaemu.scenarios.replay;

import dev.arenaemu.ArenaEmu;
import dev.arenaemu.BootOptions;
import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.emulator.cpu.MachinePool;
import dev.arenaemu.emulator.paging.PageTable;
import dev.arenaemu.kernel.Capability;
import dev.arenaemu.kernel.CreateResult;
import dev.arenaemu.kernel.Kernel;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.arena.Arena;
import dev.arenaemu.kernel.arena.ArenaAttr;
import dev.arenaemu.kernel.arena.RangeTree;
import dev.arenaemu.kernel.arena.VmaListEntry;
import dev.arenaemu.kernel.bpf.BpfMap;
import dev.arenaemu.kernel.bpf.BpfProg;
import dev.arenaemu.kernel.bpf.BpfSyscall;
import dev.arenaemu.scenarios.check.PteMapBuilder;
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
import java.util.function.ToLongFunction;

/**
 * Everything a scenario runs against: the emulated machine, the modelled kernel of the chosen
 * era with its bpf(2) syscall, the arenas (the first one created successfully is "the arena" that
 * symbols and unnamed steps and expectations talk about), the user
 * processes, and the symbols steps have bound. Arenas are created with BPF_MAP_CREATE; the
 * World holds the creator's reference on each (the scenario's "map fd") until teardown. Also takes the {@link WorldState} snapshots the trace and the invariant
 * checker read — from the real page-table bytes, not from the models' bookkeeping.
 */
public final class World implements AutoCloseable, Expr.Symbols {
    /** RAM the page allocator may hand out: enough for every corpus scenario, small enough to hit OOM on purpose. */
    public static final long RAM_BYTES = BootOptions.DEFAULT_RAM_BYTES;

    /** The booted system: machine, kernel, bpf syscall, processes (user-model's root object). */
    private final ArenaEmu system;
    private final Era era;
    private final List<BpfMap.ArenaMap> arenas = new ArrayList<>();
    private final Map<String, BpfMap.ArenaMap> byName = new HashMap<>();
    /** Each arena's name in the snapshots: unique, fixed at creation so traces and reports can compare snapshots by name. */
    private final Map<BpfMap.ArenaMap, String> labels = new java.util.LinkedHashMap<>();
    private final Map<String, Long> bound = new HashMap<>();
    /** Frame names of page expectations, bound at first sight (see {@link #checkFrame}). */
    private final Map<String, Long> frameNames = new HashMap<>();
    /** Maps a loader (libbpf) holds for an object until teardown: its .bss/.data/.rodata arrays. */
    private final List<BpfMap> loaderMaps = new ArrayList<>();
    /** Resolves sym(name) (the scenario's program objects); none: no __arena globals. */
    private ToLongFunction<String> globals;
    private final ProcessTable processes;
    private BpfMap.ArenaMap arenaMap;
    private boolean tornDown;
    /** The arena of {@link #arenaMap}, the one the snapshots, symbols and expectations talk about. */
    private Arena arena;

    /**
     * Frame identity for page expectations: the first time {@code name} is seen it names
     * {@code frame} (unless another name already does: then the frames were meant to differ);
     * afterwards it must be that frame again. Empty when the expectation holds, else what was seen.
     */
    public Optional<String> checkFrame(String name, long frame) {
        Long known = frameNames.get(name);
        if (known != null) {
            return known == frame ? Optional.empty() : Optional.of("frame 0x" + Long.toHexString(frame) + ", not " + name + " (0x" + Long.toHexString(known) + ")");
        }
        for (Map.Entry<String, Long> e : frameNames.entrySet()) {
            if (e.getValue() == frame) return Optional.of("frame 0x" + Long.toHexString(frame) + ", which is " + e.getKey());
        }
        frameNames.put(name, frame);
        return Optional.empty();
    }

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
        this(era, initialProcesses, capabilities, pool, Machine.DEFAULT_CPUS);
    }

    /** The same on a machine with {@code cpus} kernel CPUs. */
    public World(Era era, List<String> initialProcesses, java.util.Set<Capability> capabilities, MachinePool pool, int cpus) {
        this.era = era;
        this.system = ArenaEmu.boot(BootOptions.of(kernelEra(era)).withCpus(cpus).withRamBytes(RAM_BYTES)
            .withCapabilities(capabilities).withPool(pool));
        this.processes = new ProcessTable(system.processes());
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
            case V6_9 -> KernelEra.V6_9;
            case V6_10 -> KernelEra.V6_10;
            case V6_12_STABLE -> KernelEra.V6_12_STABLE;
            case V6_13 -> KernelEra.V6_13;
            case V7_0 -> KernelEra.V7_0;
            case V7_0_STABLE -> KernelEra.V7_0_STABLE;
            case LATEST -> KernelEra.LATEST;
        };
    }

    // The machine, kernel and bpf syscall are the booted system's own (no copies kept here).
    public Machine machine() { return system.machine(); }
    public Kernel kernel() { return system.kernel(); }
    public Era era() { return era; }
    public ProcessTable processes() { return processes; }
    public BpfSyscall bpf() { return system.bpf(); }

    /** The scenario's arena, once a create step succeeded. */
    public Optional<Arena> arena() {
        return Optional.ofNullable(arena);
    }

    public Arena requireArena(String place) throws ReplayError {
        if (arena == null) throw new ReplayError(place + ": no arena has been created yet");
        return arena;
    }

    /**
     * The arena map a step names ({@code name} present: the arena created under that name; absent:
     * the scenario's arena). The reader only accepts names of earlier create_arena steps, so a
     * missing one means its creation failed in this run.
     */
    public BpfMap.ArenaMap requireArenaMap(Optional<String> name, String place) throws ReplayError {
        if (name.isEmpty()) return requireArenaMap(place);
        BpfMap.ArenaMap m = byName.get(name.get());
        if (m == null) throw new ReplayError(place + ": no arena \"" + name.get() + "\" has been created (its create_arena step failed)");
        return m;
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
    CreateResult<BpfMap> createArena(String name, ArenaAttr attr) {
        CreateResult<BpfMap> r = bpf().mapCreateArena(name, attr);
        if (r instanceof CreateResult.Created<BpfMap> c) {
            BpfMap.ArenaMap created = (BpfMap.ArenaMap) c.object();
            arenas.add(created);
            byName.putIfAbsent(name, created);
            labels.put(created, labels.containsValue(name) ? name + "#" + arenas.size() : name);
            if (arenaMap == null) {
                arenaMap = created;
                arena = created.arena();
            }
        }
        return r;
    }

    /** Who answers {@code sym(name)}: the scenario's programs, which know their objects' __arena globals. */
    void globals(ToLongFunction<String> resolver) {
        this.globals = resolver;
    }

    @Override
    public long global(String name) {
        if (globals == null) return Expr.Symbols.super.global(name);
        return globals.applyAsLong(name);
    }

    /** A map the loader holds a reference on until teardown (libbpf's internal maps, closed with the object). */
    void adoptLoaderMap(BpfMap map) {
        loaderMaps.add(map);
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

    /**
     * The state the invariants and the trace talk about, for every live arena (in creation order,
     * the scenario's arena first); cost grows with the present PTEs only.
     */
    public WorldState state() {
        List<WorldState.ArenaState> live = new ArrayList<>();
        Map<BpfMap.ArenaMap, String> mapped = new java.util.LinkedHashMap<>();
        // A TreeMap: page-aligned Long keys share HashMap buckets (their low hash bits are all zero).
        Map<Long, WorldState.FrameCount> frames = new TreeMap<>();
        for (BpfMap.ArenaMap m : arenas) {
            if (m.arena().isFreed()) continue;
            WorldState.ArenaState a = arenaState(labels.get(m), m.arena());
            live.add(a);
            mapped.put(m, a.name());
            for (long pte : a.kernelPtes().values()) frame(frames, WorldState.frameOf(pte));
        }
        List<WorldState.SpaceState> spaces = processes.snapshot(mapped);
        for (WorldState.SpaceState s : spaces) for (long pte : s.ptes().values()) frame(frames, WorldState.frameOf(pte));
        return new WorldState(live, spaces, frames);
    }

    /** One arena's kernel PTEs (its own reserved kernel range, guards included), free set and vma_list. */
    private WorldState.ArenaState arenaState(String name, Arena a) {
        PageTable kt = machine().kernelPageTable();
        PteMapBuilder kptes = new PteMapBuilder();
        long from = a.kernVm().addr(), to = from + a.kernVm().size();
        kt.forEachPresentEntry(from, to, kptes);
        List<WorldState.Run> runs = new ArrayList<>();
        for (RangeTree.Run r : a.freeRuns()) runs.add(new WorldState.Run(r.start(), r.length()));
        List<WorldState.VmaRef> vmas = new ArrayList<>();
        for (VmaListEntry e : a.vmaList()) vmas.add(new WorldState.VmaRef(e.vma().start(), e.vma().end(), e.vma().alive(), e.mmapCount()));
        return new WorldState.ArenaState(name, a.userVmStart(), a.userVmEnd(), a.kernVmStart(), Arena.GUARD_SZ, kptes.build(), runs, vmas, a.scratchPage());
    }

    private void frame(Map<Long, WorldState.FrameCount> out, long phys) {
        out.computeIfAbsent(phys, p -> new WorldState.FrameCount(p, kernel().frames().refcount(p), kernel().frames().inUse(p)));
    }

    /** Frames the page allocator has handed out and not got back. */
    public long framesInUse() {
        return kernel().frames().used();
    }

    /** The in-use frames, for naming leaks. */
    public List<Long> framesInUseList() {
        return kernel().frames().snapshot().stream().map(f -> f.phys()).toList();
    }

    /**
     * Process exit for every process still alive (their fds and mappings drop their references),
     * then close() of every program fd and of the creator's map fds: the last reference frees
     * each arena (arena_map_free), in that order as on a real system.
     */
    public void teardown() {
        processes.exitAll();
        BpfSyscall bpf = bpf();
        for (BpfProg p : bpf.progs()) bpf.progRelease(p);
        for (BpfMap m : loaderMaps) bpf.mapRelease(m);
        loaderMaps.clear();
        for (BpfMap.ArenaMap m : arenas) bpf.mapRelease(m);
        arenas.clear();
        byName.clear();
        labels.clear();
        tornDown = true;
    }

    /**
     * After {@link #teardown()}: the system closes (a pooled machine goes back to its pool, reset).
     * Without it (the replay stopped on an exception) the machine is discarded, not reused.
     */
    @Override
    public void close() {
        if (tornDown) system.close();
        else system.discard();
    }
}
