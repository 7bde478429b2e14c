package dev.arenaemu.scenarios.replay;

import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.bpf.BpfMap;
import dev.arenaemu.kernel.bpf.BpfProg;
import dev.arenaemu.kernel.bpf.BpfSyscall;
import dev.arenaemu.kernel.bpf.MapCreateResult;
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
    /** Objects whose globals were copied into the arena already (libbpf does it once per object load). */
    private final Set<LibbpfObject> copied = Collections.newSetFromMap(new IdentityHashMap<>());
    /**
     * The objects opened so far, by file: programs of one file share one object (one skeleton, as
     * libbpf opens it), so its __arena globals are copied into the arena once, not again for each
     * of its programs (which overwrote what earlier programs had stored there).
     */
    private final Map<Path, LibbpfObject> objects = new HashMap<>();

    Programs(World world, Map<String, ProgramSpec> specs) {
        this.world = world;
        this.specs = specs;
    }

    Effect run(String name, long[] args, long maxInstructions, String place) throws ReplayError {
        ProgramSpec spec = specs.get(name);
        if (spec == null) throw new ReplayError(place + ": no program \"" + name + "\"");
        world.requireArena(place);
        BpfSyscall bpf = world.bpf();
        BpfProg prog = loaded.get(name);
        if (prog == null) {
            Source source = source(spec, world.era(), objects);
            if (source.openFailure() != null) return source.openFailure();
            List<BpfProgram> placed = new ArrayList<>();
            Effect copyFailure = placeGlobals(source, place, placed);
            if (copyFailure != null) return copyFailure;
            BpfProgram program = placed.getFirst();
            Map<String, BpfMap> maps = maps(program, source.object());
            ProgLoadResult result = bpf.progLoad(program, maps, new ProgLoadAttr(spec.jit()));
            // the loader's own references on the internal array maps go once the program holds its own
            maps.values().stream().filter(m -> m instanceof BpfMap.ArrayMap).distinct().forEach(bpf::mapRelease);
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
        StringBuilder stderr = new StringBuilder();
        for (String report : outcome.stderr()) stderr.append("\nstderr: ").append(report.lines().findFirst().orElse(""));
        return switch (outcome) {
            case TestRunResult.Returned r -> new Effect(call + " -> r0 = 0x" + Long.toHexString(r.r0()) + stderr, OptionalLong.of(r.r0()),
                Optional.empty(), OptionalLong.empty(), Map.of("r0", r.r0()), false);
            case TestRunResult.Oops o -> throw new ReplayError(place + ": program " + name + " did not return: " + o + stderr, false);
            case TestRunResult.Stopped st -> throw new ReplayError(place + ": program " + name + " did not return: " + st.reason() + stderr, false);
        };
    }

    /**
     * The maps BPF_PROG_LOAD resolves the program's map references to: an arena name is the arena
     * created under that name ("arena" is the default create_arena name), any other arena
     * reference the scenario's first arena; an object's .bss/.data/.rodata get their internal
     * array map, created with the section's image (libbpf's bpf_object__create_maps).
     */
    private Map<String, BpfMap> maps(BpfProgram program, LibbpfObject object) throws ReplayError {
        Map<String, BpfMap> out = new LinkedHashMap<>();
        for (Reloc r : program.relocations()) {
            String map = switch (r) {
                case Reloc.MapFd m -> m.map();
                case Reloc.MapValue m -> m.map();
                default -> null;
            };
            if (map == null || out.containsKey(map)) continue;
            Optional<MapDefinition> def = object == null ? Optional.empty() : object.object().map(map);
            if (def.isPresent() && !def.get().isArena()) {
                out.put(map, internalMap(object, def.get()));
                continue;
            }
            out.put(map, world.arenaMap(map).orElse(world.arenaMaps().getFirst()));
        }
        return out;
    }

    private BpfMap internalMap(LibbpfObject object, MapDefinition def) throws ReplayError {
        byte[] image = object.object().dataSections().stream().filter(s -> s.name().equals(def.name())).findFirst()
            .map(DataSection::image).orElse(new byte[0]);
        return switch (world.bpf().mapCreateArray(def.name(), def.valueSize(), def.mapFlags(), image)) {
            case MapCreateResult.Created c -> c.map();
            case MapCreateResult.Failed f -> throw new ReplayError("map '" + def.name() + "': failed to create: " + Errno.describe(f.errno().neg()), false);
        };
    }

    /**
     * The program text as loaded, the libbpf object it came from (null for inline assembler), or
     * what the user sees when opening the object fails (the open's -E2BIG).
     */
    private record Source(BpfProgram program, LibbpfObject object, Effect openFailure) {}

    private static Source source(ProgramSpec spec, Era era, Map<Path, LibbpfObject> objects) throws ReplayError {
        String section = spec.sleepable() ? "syscall" : "socket";
        if (spec.inline()) {
            try {
                return new Source(Assembler.assemble(spec.name(), section, spec.asm()), null, null);
            } catch (AsmException e) {
                throw new ReplayError(spec.where() + ": program \"" + spec.name() + "\" asm line " + e.line() + ", column " + e.column() + ": " + e.reason());
            }
        }
        LibbpfObject object = objects.get(spec.file());
        if (object == null) {
            Source opened = open(spec, era);
            if (opened.openFailure() != null) return opened;
            object = opened.object();
            objects.put(spec.file(), object);
        }
        var programs = object.object().programs();
        String entry = spec.section() != null ? spec.section() : programs.size() == 1 ? programs.getFirst().name() : null;
        if (entry == null) throw new ReplayError(spec.where() + ": program \"" + spec.name() + "\": the object has several programs; name one with \"section\"");
        BpfProgram program = object.object().program(entry)
            .orElseThrow(() -> new ReplayError(spec.where() + ": no program \"" + entry + "\" in " + spec.file()));
        return new Source(program, object, null);
    }

    /** Compiles (or reads) and opens the object file of {@code spec}: a Source with the object and no program, or the open's failure. */
    private static Source open(ProgramSpec spec, Era era) throws ReplayError {
        byte[] elf;
        try {
            Path file = spec.file();
            // a sweep replays the same program hundreds of times: compile it once per JVM
            elf = file.toString().endsWith(".c") ? CompiledObjects.shared().load(ClangCommand.forSource(file)) : Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ReplayError(spec.where() + ": program \"" + spec.name() + "\" from " + spec.file() + ": " + e.getMessage());
        }
        // the libbpf of the v6.13 era put the globals at offset 0, the latest at the end of the arena
        ArenaGlobalsPlacement placement = era == Era.V6_13 ? ArenaGlobalsPlacement.OFFSET_ZERO : ArenaGlobalsPlacement.END_OF_ARENA;
        LibbpfObject object;
        try {
            object = LibbpfObject.open(elf, OpenOptions.placement(placement));
        } catch (LibbpfException e) {
            if (e.errno() != Errno.E2BIG) throw new ReplayError(spec.where() + ": program \"" + spec.name() + "\" from " + spec.file() + ": " + e.getMessage());
            long r = e.errno().neg();
            return new Source(null, null, Effect.returned("open " + spec.name() + ": " + e.getMessage() + " -> " + Errno.describe(r), r));
        }
        return new Source(null, object, null);
    }

    /**
     * What libbpf's load does for {@code __arena} globals once the arena is mapped (spec §10):
     * copy the initial image to arena_data_off (fixed at open) from user space, which faults
     * those pages in, and relocate the program's references. Returns what the user sees when
     * that fails (the signal libbpf's memcpy takes), or null when the program is ready in {@code out}.
     */
    private Effect placeGlobals(Source source, String place, List<BpfProgram> out) throws ReplayError {
        LibbpfObject object = source.object();
        Optional<DataSection> globals = object == null ? Optional.empty() : object.object().arenaGlobals();
        if (globals.isEmpty()) {
            out.add(source.program());
            return null;
        }
        long offset = object.arenaDataOffset();
        BpfMap.ArenaMap arena = world.requireArenaMap(place);
        if (!copied.contains(object)) {
            Process mapper = world.processes().mapping(arena)
                .orElseThrow(() -> new ReplayError(place + ": __arena globals are copied by a process that mapped the arena (libbpf mmaps it at load); none has"));
            UserResult r = mapper.user().writeBytes(arena.arena().userVmStart() + offset, globals.get().image());
            if (r instanceof UserResult.Signaled sig) {
                Signal s = sig.signal();
                return new Effect("open " + source.program().name() + ": libbpf's copy of the __arena globals -> " + s, OptionalLong.empty(),
                    Optional.of(new Effect.SignalInfo(s.signo(), s.siCode(), s.address())), OptionalLong.empty(), Map.of(), false);
            }
            if (!(r instanceof UserResult.Value)) throw new ReplayError(place + ": copying the __arena globals failed: " + r, false);
            copied.add(object);
        }
        out.add(source.program().withArenaDataOffset(offset));
        return null;
    }
}
