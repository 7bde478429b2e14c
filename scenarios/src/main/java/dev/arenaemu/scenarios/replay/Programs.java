package dev.arenaemu.scenarios.replay;

import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.emulator.trap.FaultHandler;
import dev.arenaemu.kernel.Capability;
import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.arena.Arena;
import dev.arenaemu.kernel.bpf.asm.AsmException;
import dev.arenaemu.kernel.bpf.asm.Assembler;
import dev.arenaemu.kernel.bpf.elf.BpfObject;
import dev.arenaemu.kernel.bpf.elf.BpfObjectLoader;
import dev.arenaemu.kernel.bpf.elf.ArenaGlobalsPlacement;
import dev.arenaemu.kernel.bpf.elf.DataSection;
import dev.arenaemu.user.Process;
import dev.arenaemu.user.Signal;
import dev.arenaemu.user.exec.UserResult;
import dev.arenaemu.kernel.bpf.isa.BpfProgram;
import dev.arenaemu.kernel.bpf.isa.Reloc;
import dev.arenaemu.kernel.bpf.jit.CallResult;
import dev.arenaemu.kernel.bpf.jit.CallTarget;
import dev.arenaemu.kernel.bpf.jit.JitOptions;
import dev.arenaemu.kernel.bpf.jit.JitRuntime;
import dev.arenaemu.kernel.bpf.jit.LoadedProgram;
import dev.arenaemu.kernel.bpf.verifier.MapDescriptor;
import dev.arenaemu.kernel.bpf.verifier.VerifiedProgram;
import dev.arenaemu.kernel.bpf.verifier.Verifier;
import dev.arenaemu.kernel.bpf.verifier.VerifierConfig;
import dev.arenaemu.kernel.bpf.verifier.VerifierException;
import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.format.ProgramSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * BPF programs of a scenario, the way BPF_PROG_LOAD and BPF_PROG_TEST_RUN treat them: the
 * source (inline assembler, a .c compiled by clang-19, or a .bpf.o) goes through the ELF loader
 * or assembler, the verifier (binding the arena, rewriting arena accesses to PROBE_MEM32) and the
 * x86-64 JIT; the image runs on the kernel CPU with the arena's kern_vm_start in r12, and its
 * kfunc calls reach the arena model. A verifier rejection is the load's -errno.
 */
final class Programs {
    /**
     * Where the struct bpf_map of the n-th arena would live (a direct-map address): the verifier
     * bakes it into ld_imm64 map[...], and the kfuncs get it back as their map argument.
     */
    static final long MAP_OBJECTS = 0xFFFF_8880_0100_0000L;

    private final World world;
    private final Map<String, ProgramSpec> specs;
    private final Map<String, LoadedProgram> loaded = new HashMap<>();
    /** Objects whose globals were copied into the arena already (libbpf does it once per object load). */
    private final java.util.Set<BpfObject> copied = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    private JitRuntime runtime;
    /** The program being run: its sleepability picks the kfunc variants (E4 call-site specialisation). */
    private ProgramSpec running;

    Programs(World world, Map<String, ProgramSpec> specs) {
        this.world = world;
        this.specs = specs;
    }

    Effect run(String name, long[] args, long maxInstructions, String place) throws ReplayError {
        ProgramSpec spec = specs.get(name);
        if (spec == null) throw new ReplayError(place + ": no program \"" + name + "\"");
        world.requireArena(place);
        LoadedProgram program = loaded.get(name);
        if (program == null) {
            List<BpfProgram> placed = new java.util.ArrayList<>();
            Effect openFailure = placeGlobals(source(spec), world.arena().orElseThrow(), name, place, placed);
            if (openFailure != null) return openFailure;
            BpfProgram source = placed.getFirst();
            VerifiedProgram verified;
            try {
                VerifierConfig config = VerifierConfig.privileged(world.kernel().era())
                    .withCaps(world.kernel().capable(Capability.CAP_BPF), world.kernel().capable(Capability.CAP_PERFMON))
                    .withJit(spec.jit(), true);
                verified = Verifier.verify(source, maps(source), config);
            } catch (VerifierException e) {
                long r = -e.errno().value;
                return Effect.returned(String.format("load %s: verifier rejects it at insn %d: %s -> %s", name, e.insnIndex(), e.kernelMessage(),
                    Errno.describe(r)), r);
            }
            Arena bound = verified.arena().map(m -> arenaAt(m.objectAddress())).orElse(null);
            JitOptions options = bound == null ? JitOptions.PLAIN : JitOptions.arena(bound.kernVmStart(), bound.userVmStart());
            program = runtime().load(name, verified.program().insns(), options);
            loaded.put(name, program);
        }
        int reportsBefore = program.stderr().size();
        running = spec;
        JitRuntime.Outcome outcome = runtime().run(program, new Budget(maxInstructions, 10_000_000L, Math.max(1000, maxInstructions / 10)), args);
        String call = String.format("run %s(%s)", name, String.join(", ", java.util.Arrays.stream(args).mapToObj(a -> "0x" + Long.toHexString(a)).toList()));
        StringBuilder stderr = new StringBuilder();
        List<String> reports = program.stderr();
        for (int i = reportsBefore; i < reports.size(); i++) stderr.append("\nstderr: ").append(reports.get(i).lines().findFirst().orElse(""));
        return switch (outcome) {
            case JitRuntime.Outcome.Returned r -> new Effect(call + " -> r0 = 0x" + Long.toHexString(r.r0()) + stderr, OptionalLong.of(r.r0()),
                java.util.Optional.empty(), OptionalLong.empty(), Map.of("r0", r.r0()), false);
            case JitRuntime.Outcome.Failed f -> throw new ReplayError(place + ": program " + name + " did not return: " + f.result() + stderr, false);
        };
    }

    private JitRuntime runtime() {
        if (runtime == null) {
            runtime = new JitRuntime(world.machine(), this::call);
            runtime.installFaultHandler(FaultHandler.DELIVER_ALL);
        }
        return runtime;
    }

    /** The kfuncs as the kernel runs them: any map other than the arena makes them no-ops (spec §6). */
    private CallResult call(CallTarget target, long a1, long a2, long a3, long a4, long a5) {
        if (!(target instanceof CallTarget.KfuncCall k)) throw new UnsupportedOperationException("helper " + target + " is not modelled");
        Arena arena = arenaAt(a1);
        boolean isArena = arena != null;
        // specialize_kfunc (E4+): in a non-sleepable program the calls become the _non_sleepable variants.
        boolean nonSleepable = running != null && !running.sleepable() && world.kernel().era().hasNonSleepableKfuncs();
        return switch (k.kfunc()) {
            case BPF_ARENA_ALLOC_PAGES -> CallResult.of(!isArena ? 0
                : nonSleepable ? arena.allocPagesNonSleepable(a2, (int) a3, (int) a4, a5) : arena.allocPages(a2, (int) a3, (int) a4, a5));
            case BPF_ARENA_FREE_PAGES -> {
                if (isArena && nonSleepable) arena.freePagesNonSleepable(a2, (int) a3);
                else if (isArena) arena.freePages(a2, (int) a3);
                yield new CallResult(0, isArena && !nonSleepable);
            }
            case BPF_ARENA_RESERVE_PAGES -> CallResult.of(isArena ? arena.reservePages(a2, (int) a3) : Errno.EINVAL.neg());
        };
    }

    /** The arena whose map object is at {@code address}, or null (not a map of this world). */
    private Arena arenaAt(long address) {
        List<Arena> all = world.arenas();
        long index = (address - MAP_OBJECTS) / 4096;
        return address >= MAP_OBJECTS && (address - MAP_OBJECTS) % 4096 == 0 && index < all.size() ? all.get((int) index) : null;
    }

    /**
     * Map names in the program resolve to the arenas created under those names ("arena" is the
     * default create_arena name); an unknown name is the scenario's first arena.
     */
    private Map<String, MapDescriptor> maps(BpfProgram program) {
        Map<String, MapDescriptor> out = new HashMap<>();
        List<Arena> all = world.arenas();
        for (Reloc r : program.relocations()) {
            String map = switch (r) {
                case Reloc.MapFd m -> m.map();
                case Reloc.MapValue m -> m.map();
                default -> null;
            };
            if (map == null) continue;
            Arena arena = world.arena(map).orElse(world.arena().orElseThrow());
            long object = MAP_OBJECTS + 4096L * all.indexOf(arena);
            // The live map answers map_direct_value_addr itself (the era's rule for off == size).
            out.put(map, new MapDescriptor(map, MapDescriptor.BPF_MAP_TYPE_ARENA, arena.mapFlags(), 0, object, 0,
                arena.userVmStart(), arena.userVmEnd(), (off, era) -> arena.mapDirectValueAddr((int) off)));
        }
        return out;
    }


    /** The program text as loaded, and the object it came from (null for inline assembler). */
    private record Source(BpfProgram program, BpfObject object) {}

    private static Source source(ProgramSpec spec) throws ReplayError {
        String section = spec.sleepable() ? "syscall" : "socket";
        if (spec.inline()) {
            try {
                return new Source(Assembler.assemble(spec.name(), section, spec.asm()), null);
            } catch (AsmException e) {
                throw new ReplayError(spec.where() + ": program \"" + spec.name() + "\" asm line " + e.line() + ", column " + e.column() + ": " + e.reason());
            }
        }
        BpfObject object;
        try {
            Path file = spec.file();
            object = BpfObjectLoader.load(file.toString().endsWith(".c") ? compile(file) : Files.readAllBytes(file));
        } catch (IOException | RuntimeException e) {
            throw new ReplayError(spec.where() + ": program \"" + spec.name() + "\" from " + spec.file() + ": " + e.getMessage());
        }
        String entry = spec.section() != null ? spec.section() : object.programs().size() == 1 ? object.programs().getFirst().name() : null;
        if (entry == null) throw new ReplayError(spec.where() + ": program \"" + spec.name() + "\": the object has several programs; name one with \"section\"");
        BpfProgram program = object.program(entry).orElseThrow(() -> new ReplayError(spec.where() + ": no program \"" + entry + "\" in " + spec.file()));
        return new Source(program, object);
    }

    /**
     * What libbpf does for {@code __arena} globals once the arena is mapped (spec §10): choose
     * arena_data_off (offset 0 for the libbpf of the v6.13 era, the end of the mapping for the
     * latest), copy the initial image there from user space (which faults those pages in), and
     * relocate the program's references. Returns what the user sees when that fails (the open's
     * -E2BIG, or the signal libbpf's memcpy takes), or null when the program is ready in {@code out}.
     */
    private Effect placeGlobals(Source source, Arena arena, String name, String place, List<BpfProgram> out) throws ReplayError {
        BpfObject object = source.object();
        if (object == null || object.arenaGlobals().isEmpty()) {
            out.add(source.program());
            return null;
        }
        DataSection globals = object.arenaGlobals().get();
        ArenaGlobalsPlacement placement = world.era() == Era.V6_13 ? ArenaGlobalsPlacement.OFFSET_ZERO : ArenaGlobalsPlacement.END_OF_ARENA;
        long offset;
        try {
            offset = placement.arenaDataOffset(arena.userVmEnd() - arena.userVmStart(), globals.size(), Arena.PAGE_SIZE);
        } catch (ArenaGlobalsPlacement.ArenaTooSmallException e) {
            long r = -ArenaGlobalsPlacement.ArenaTooSmallException.ERRNO;
            return Effect.returned("open " + name + ": the arena is too small for its __arena globals -> " + Errno.describe(r), r);
        }
        if (!copied.contains(object)) {
            Process mapper = world.processes().mapping(arena)
                .orElseThrow(() -> new ReplayError(place + ": __arena globals are copied by a process that mapped the arena (libbpf mmaps it at load); none has"));
            UserResult r = mapper.user().writeBytes(arena.userVmStart() + offset, globals.image());
            if (r instanceof UserResult.Signaled sig) {
                Signal s = sig.signal();
                return new Effect("open " + name + ": libbpf's copy of the __arena globals -> " + s, OptionalLong.empty(),
                    java.util.Optional.of(new Effect.SignalInfo(s.signo(), s.siCode(), s.address())), OptionalLong.empty(), Map.of(), false);
            }
            if (!(r instanceof UserResult.Value)) throw new ReplayError(place + ": copying the __arena globals failed: " + r, false);
            copied.add(object);
        }
        out.add(source.program().withArenaDataOffset(offset));
        return null;
    }

    /** clang-19 -target bpf -mcpu=v4 -O2 -g -c, with the scenario's folder on the include path. */
    private static byte[] compile(Path source) throws IOException {
        Path out = Files.createTempFile("arena-emu-", ".bpf.o");
        try {
            java.lang.Process p = new ProcessBuilder("clang-19", "-target", "bpf", "-mcpu=v4", "-O2", "-g", "-I", source.getParent().toString(),
                "-c", source.toString(), "-o", out.toString()).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException("clang-19 failed:\n" + log);
            return Files.readAllBytes(out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while compiling " + source);
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
