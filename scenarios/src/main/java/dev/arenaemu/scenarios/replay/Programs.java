package dev.arenaemu.scenarios.replay;

import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.kernel.CreateResult;
import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.bpf.BpfMap;
import dev.arenaemu.kernel.bpf.BpfProg;
import dev.arenaemu.kernel.bpf.BpfSyscall;
import dev.arenaemu.kernel.bpf.ProgLoadAttr;
import dev.arenaemu.kernel.bpf.ProgLoadResult;
import dev.arenaemu.kernel.bpf.TestRunResult;
import dev.arenaemu.kernel.bpf.asm.AsmException;
import dev.arenaemu.kernel.bpf.asm.Assembler;
import dev.arenaemu.kernel.bpf.elf.ArenaGlobalsPlacement;
import dev.arenaemu.kernel.bpf.elf.DataSection;
import dev.arenaemu.kernel.bpf.elf.MapDefinition;
import dev.arenaemu.kernel.bpf.isa.BpfProgram;
import dev.arenaemu.kernel.bpf.isa.Reloc;
import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.format.Expr;
import dev.arenaemu.scenarios.format.ProgramSpec;
import dev.arenaemu.user.Process;
import dev.arenaemu.user.Signal;
import dev.arenaemu.user.exec.UserResult;
import dev.arenaemu.user.libbpf.LibbpfException;
import dev.arenaemu.user.libbpf.LibbpfObject;
import dev.arenaemu.user.libbpf.OpenOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * BPF programs of a scenario, loaded and run through the kernel's bpf(2) ({@link BpfSyscall}):
 * the source (inline assembler, a .c compiled by clang-19, or a .bpf.o opened by libbpf) goes
 * to BPF_PROG_LOAD with its map references resolved to the scenario's arenas (as libbpf does
 * with bpf_map__reuse_fd), and runs with BPF_PROG_TEST_RUN. The verifier, the JIT, the kfunc
 * dispatch and the kernel fault handling are the kernel model's; a rejected load is the
 * load's -errno with the verifier's message and instruction index.
 */
final class Programs {
    private final World world;
    private final Map<String, ProgramSpec> specs;
    private final Map<String, BpfProg> loaded = new HashMap<>();
    /** Objects opened so far, by {@link ProgramSpec#objectKey()}: every program of one file (and mcpu) shares one open. */
    private final Map<String, OpenedObject> objects = new HashMap<>();

    Programs(World world, Map<String, ProgramSpec> specs) {
        this.world = world;
        this.specs = specs;
        world.globals(this::global);
    }

    /**
     * One libbpf open of an object file and what bpf_object__load does once per object: its
     * .bss/.data/.rodata array maps (created with the first program loaded from it, kept until
     * teardown as libbpf keeps them until bpf_object__close) and the copy of its {@code __arena}
     * globals. Programs of the same object therefore see the same globals.
     */
    private static final class OpenedObject {
        final LibbpfObject object;
        /** What the user sees when the open fails (libbpf's -E2BIG for globals larger than the arena), else null. */
        final Effect openFailure;
        final Map<String, BpfMap> internalMaps = new HashMap<>();
        boolean globalsCopied;

        OpenedObject(LibbpfObject object, Effect openFailure) {
            this.object = object;
            this.openFailure = openFailure;
        }
    }

    Effect run(String name, long[] args, long maxInstructions, String place) throws ReplayError {
        ProgramSpec spec = specs.get(name);
        if (spec == null) throw new ReplayError(place + ": no program \"" + name + "\"");
        world.requireArena(place);
        BpfSyscall bpf = world.bpf();
        BpfProg prog = loaded.get(name);
        if (prog == null) {
            BpfProgram program;
            Map<String, BpfMap> maps;
            if (spec.inline()) {
                program = assemble(spec);
                maps = asmMaps(spec, program, place);
            } else {
                OpenedObject o = object(spec);
                if (o.openFailure != null) return o.openFailure;
                program = program(spec, o.object);
                Effect copyFailure = placeGlobals(o, program, place);
                if (copyFailure != null) return copyFailure;
                if (o.object.object().arenaGlobals().isPresent()) program = program.withArenaDataOffset(o.object.arenaDataOffset());
                maps = objectMaps(program, o);
            }
            ProgLoadResult result = bpf.progLoad(program, maps, new ProgLoadAttr(spec.jit()));
            switch (result) {
                case ProgLoadResult.Rejected r -> {
                    long ret = r.errno().neg();
                    String at = r.insnIndex() >= 0 ? " at insn " + r.insnIndex() : "";
                    return Effect.returned(String.format("load %s: verifier rejects it%s: %s -> %s", name, at, r.log(), Errno.describe(ret)), ret);
                }
                case ProgLoadResult.Loaded l -> {
                    prog = l.prog();
                    loaded.put(name, prog);
                }
            }
        }
        TestRunResult outcome = bpf.progTestRun(prog, new Budget(maxInstructions, 10_000_000L, Math.max(1000, maxInstructions / 10)), args);
        String call = String.format("run %s(%s)", name, String.join(", ", Arrays.stream(args).mapToObj(a -> "0x" + Long.toHexString(a)).toList()));
        List<String> lines = outcome.stderr().stream().map(report -> report.lines().findFirst().orElse("")).toList();
        StringBuilder stderr = new StringBuilder();
        for (String line : lines) stderr.append("\nstderr: ").append(line);
        return switch (outcome) {
            // BPF_PROG_TEST_RUN copies r0 to the u32 attr->test.retval: "retval" is its low 32 bits.
            case TestRunResult.Returned r -> new Effect(call + " -> r0 = 0x" + Long.toHexString(r.r0()) + stderr, OptionalLong.of(r.r0()),
                Optional.empty(), OptionalLong.empty(), Map.of("r0", r.r0(), "retval", r.r0() & 0xFFFF_FFFFL), false).withStderr(lines);
            case TestRunResult.Oops o -> throw new ReplayError(place + ": program " + name + " did not return: " + o + stderr, false);
            case TestRunResult.Refused f -> Effect.returned(call + " -> BPF_PROG_TEST_RUN refuses it: " + Errno.describe(f.errno().neg()), f.errno().neg());
            case TestRunResult.Stopped st -> throw new ReplayError(place + ": program " + name + " did not return: " + st.reason() + stderr, false);
        };
    }

    private static BpfProgram assemble(ProgramSpec spec) throws ReplayError {
        try {
            return Assembler.assemble(spec.name(), spec.sleepable() ? "syscall" : "socket", spec.asm());
        } catch (AsmException e) {
            throw new ReplayError(spec.where() + ": program \"" + spec.name() + "\" asm line " + e.at().line() + ", column " + e.at().column() + ": " + e.reason());
        }
    }

    /**
     * An inline program's {@code map[name]}: the arena created under that name. The reader made
     * sure the name is one of the scenario's arenas; here it may not exist (yet) in this run: its
     * creation failed or comes later.
     */
    private Map<String, BpfMap> asmMaps(ProgramSpec spec, BpfProgram program, String place) throws ReplayError {
        Map<String, BpfMap> out = new LinkedHashMap<>();
        for (Reloc r : program.relocations()) {
            String map = mapName(r);
            if (map == null || out.containsKey(map)) continue;
            Optional<BpfMap.ArenaMap> arena = world.arenaMap(map);
            if (arena.isEmpty()) {
                throw new ReplayError(place + ": program \"" + spec.name() + "\" uses map[" + map + "], and no arena \"" + map
                    + "\" exists at this point of the run (its create_arena step failed or comes later)");
            }
            out.put(map, arena.get());
        }
        return out;
    }

    private static String mapName(Reloc r) {
        return switch (r) {
            case Reloc.MapFd m -> m.map();
            case Reloc.MapValue m -> m.map();
            default -> null;
        };
    }

    /**
     * The maps BPF_PROG_LOAD resolves an object program's map references to: the object's arena
     * is the arena created under its name, else the scenario's first arena (as libbpf's
     * bpf_map__reuse_fd); .bss/.data/.rodata are the object's internal array maps, created
     * with the section's image once per object (libbpf's bpf_object__create_maps).
     */
    private Map<String, BpfMap> objectMaps(BpfProgram program, OpenedObject o) throws ReplayError {
        Map<String, BpfMap> out = new LinkedHashMap<>();
        for (Reloc r : program.relocations()) {
            String map = mapName(r);
            if (map == null || out.containsKey(map)) continue;
            Optional<MapDefinition> def = o.object.object().map(map);
            if (def.isPresent() && !def.get().isArena()) {
                BpfMap internal = o.internalMaps.get(map);
                if (internal == null) {
                    internal = internalMap(o.object, def.get());
                    o.internalMaps.put(map, internal);
                    world.adoptLoaderMap(internal);
                }
                out.put(map, internal);
                continue;
            }
            out.put(map, world.arenaMap(map).orElse(world.arenaMaps().getFirst()));
        }
        return out;
    }

    private BpfMap internalMap(LibbpfObject object, MapDefinition def) throws ReplayError {
        // libbpf's internal map: the section's image, and its BTF value record (a struct bpf_spin_lock)
        Optional<DataSection> section = object.object().dataSection(def.name());
        long spinLock = section.isPresent() ? section.get().spinLockOffset() : DataSection.NO_SPIN_LOCK;
        byte[] image = section.isPresent() ? section.get().image() : new byte[0];
        return switch (world.bpf().mapCreateArray(def.name(), def.valueSize(), def.mapFlags(), image, spinLock)) {
            case CreateResult.Created<BpfMap> c -> c.object();
            case CreateResult.Failed<BpfMap> f -> throw new ReplayError("map '" + def.name() + "': failed to create: " + Errno.describe(f.errno().neg()), false);
        };
    }

    /** The object {@code spec} names, opened on first use with the era's placement of __arena globals. */
    private OpenedObject object(ProgramSpec spec) throws ReplayError {
        OpenedObject o = objects.get(spec.objectKey());
        if (o == null) {
            o = open(spec, world.era());
            objects.put(spec.objectKey(), o);
        }
        return o;
    }

    private static OpenedObject open(ProgramSpec spec, Era era) throws ReplayError {
        byte[] elf;
        try {
            Path file = spec.file();
            // a sweep replays the same program hundreds of times: compile it once per JVM
            elf = file.toString().endsWith(".c") ? CompiledObjects.shared().load(ClangCommand.forSource(file, spec.mcpu())) : Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ReplayError(spec.where() + ": program \"" + spec.name() + "\" from " + spec.file() + ": " + e.getMessage());
        }
        // the libbpf of the eras before v7.0 put the globals at offset 0, v7.0's on at the end of the arena
        ArenaGlobalsPlacement placement = era.compareTo(Era.V7_0) < 0 ? ArenaGlobalsPlacement.OFFSET_ZERO : ArenaGlobalsPlacement.END_OF_ARENA;
        try {
            return new OpenedObject(LibbpfObject.open(elf, OpenOptions.placement(placement)), null);
        } catch (LibbpfException e) {
            if (e.errno() != Errno.E2BIG) throw new ReplayError(spec.where() + ": program \"" + spec.name() + "\" from " + spec.file() + ": " + e.getMessage());
            long r = e.errno().neg();
            return new OpenedObject(null, Effect.returned("open " + spec.name() + ": " + e.getMessage() + " -> " + Errno.describe(r), r));
        }
    }

    /** The program {@code spec} picks inside its object: its "section", or the object's only program. */
    private static BpfProgram program(ProgramSpec spec, LibbpfObject object) throws ReplayError {
        var programs = object.object().programs();
        String entry = spec.section() != null ? spec.section() : programs.size() == 1 ? programs.getFirst().name() : null;
        if (entry == null) throw new ReplayError(spec.where() + ": program \"" + spec.name() + "\": the object has several programs; name one with \"section\"");
        return object.object().program(entry)
            .orElseThrow(() -> new ReplayError(spec.where() + ": no program \"" + entry + "\" in " + spec.file()));
    }

    /**
     * What libbpf's load does for {@code __arena} globals once the arena is mapped (bpf_object__create_map),
     * once per object: copy the initial image to arena_data_off (fixed at open) from user space,
     * which faults those pages in. Returns what the user sees when that fails (the signal
     * libbpf's memcpy takes), or null.
     */
    private Effect placeGlobals(OpenedObject o, BpfProgram program, String place) throws ReplayError {
        Optional<DataSection> globals = o.object.object().arenaGlobals();
        if (globals.isEmpty() || o.globalsCopied) return null;
        BpfMap.ArenaMap arena = world.requireArenaMap(place);
        Process mapper = world.processes().mapping(arena)
            .orElseThrow(() -> new ReplayError(place + ": __arena globals are copied by a process that mapped the arena (libbpf mmaps it at load); none has"));
        UserResult r = mapper.user().writeBytes(arena.arena().userVmStart() + o.object.arenaDataOffset(), globals.get().image());
        if (r instanceof UserResult.Signaled sig) {
            Signal s = sig.signal();
            return new Effect("open " + program.name() + ": libbpf's copy of the __arena globals -> " + s, OptionalLong.empty(),
                Optional.of(new Effect.SignalInfo(s.signo(), s.siCode(), s.address())), OptionalLong.empty(), Map.of(), false);
        }
        if (!(r instanceof UserResult.Value)) throw new ReplayError(place + ": copying the __arena globals failed: " + r, false);
        o.globalsCopied = true;
        return null;
    }

    /**
     * {@code sym(name)}: the user address of the {@code __arena} global {@code name} of the
     * first program object (in declaration order) that defines it, where that era's libbpf puts
     * it: {@code user_vm_start + arena_data_off + offset} of the arena the object's arena map
     * resolves to. Opening an object for this has no effect on the run (no maps, no copy).
     */
    private long global(String name) {
        for (ProgramSpec spec : specs.values()) {
            if (spec.inline()) continue;
            OpenedObject o;
            try {
                o = object(spec);
            } catch (ReplayError e) {
                throw new Expr.Unbound("sym(" + name + "): " + e.getMessage());
            }
            if (o.object == null) continue;
            Optional<DataSection.Variable> v = o.object.object().arenaGlobals().flatMap(g -> g.variable(name));
            if (v.isEmpty()) continue;
            String arenaName = o.object.object().arena().map(MapDefinition::name).orElse("arena");
            BpfMap.ArenaMap arena = world.arenaMap(arenaName).or(() -> world.arenaMaps().stream().findFirst())
                .orElseThrow(() -> new Expr.Unbound("sym(" + name + ") needs an arena, and none has been created yet"));
            return arena.arena().userVmStart() + o.object.arenaDataOffset() + v.get().offset();
        }
        throw new Expr.Unbound("sym(" + name + "): no program object of this scenario defines an __arena global \"" + name + "\"");
    }
}
