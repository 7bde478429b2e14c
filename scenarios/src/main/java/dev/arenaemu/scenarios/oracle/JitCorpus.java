package dev.arenaemu.scenarios.oracle;

import dev.arenaemu.kernel.bpf.asm.AsmException;
import dev.arenaemu.kernel.bpf.asm.Assembler;
import dev.arenaemu.kernel.bpf.elf.ArenaGlobalsPlacement;
import dev.arenaemu.kernel.bpf.elf.DataSection;
import dev.arenaemu.kernel.bpf.elf.MapDefinition;
import dev.arenaemu.kernel.bpf.isa.BpfProgram;
import dev.arenaemu.kernel.bpf.isa.Reloc;
import dev.arenaemu.scenarios.format.ArenaSpec;
import dev.arenaemu.scenarios.format.Expr;
import dev.arenaemu.scenarios.format.ProgramSpec;
import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.format.Step;
import dev.arenaemu.scenarios.replay.CompiledObjects;
import dev.arenaemu.user.libbpf.LibbpfException;
import dev.arenaemu.user.libbpf.LibbpfObject;
import dev.arenaemu.user.libbpf.OpenOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Every program of a set of scenarios and folders, as {@link JitObject}s: the inline assembler
 * of each scenario program (assembled here, its {@code map[NAME]}s the scenario's arenas with
 * their max_entries, flags and map_extra), every C object a scenario names (with its -mcpu) and
 * every {@code *.bpf.c} under a given folder (-mcpu=v4), opened by the project's libbpf: maps
 * from the object's BTF and data sections, programs relocated. Identical programs are listed once.
 */
public final class JitCorpus {
    /**
     * An object or program that cannot be compared at all: it does not assemble or compile (bad
     * input), or libbpf refuses to open it ({@code libbpfRefuses}: no kernel ever sees it).
     */
    public record Problem(String label, String reason, boolean libbpfRefuses) {}

    public record Collected(List<JitObject> objects, List<Problem> problems) {}

    private final ArenaGlobalsPlacement placement;
    private final Map<String, JitObject> objects = new LinkedHashMap<>();
    private final List<Problem> problems = new ArrayList<>();
    private final Set<String> seenAsm = new LinkedHashSet<>();

    private JitCorpus(ArenaGlobalsPlacement placement) {
        this.placement = placement;
    }

    /**
     * The programs of {@code scenarios} and of the {@code *.bpf.c} files under {@code paths}
     * (folders are searched, files that are C sources taken as they are). {@code placement} is
     * where libbpf puts {@code __arena} globals (it only moves an offset the comparison masks).
     */
    public static Collected collect(List<Scenario> scenarios, List<Path> paths, ArenaGlobalsPlacement placement) {
        JitCorpus c = new JitCorpus(placement);
        for (Scenario s : scenarios) {
            for (ProgramSpec p : s.programs().values()) {
                if (p.inline()) c.addAsm(s, p);
                else c.addObject(p.file(), p.mcpu());
            }
        }
        for (Path p : paths) {
            try (Stream<Path> files = Files.isDirectory(p) ? Files.walk(p) : Stream.of(p)) {
                for (Path f : files.filter(f -> f.toString().endsWith(".bpf.c")).sorted().toList()) c.addObject(f, "v4");
            } catch (IOException e) {
                c.problems.add(new Problem(p.toString(), "cannot list: " + e.getMessage(), false));
            }
        }
        return new Collected(List.copyOf(c.objects.values()), List.copyOf(c.problems));
    }

    private void addAsm(Scenario s, ProgramSpec p) {
        String section = p.sleepable() ? "syscall" : "socket";
        if (!seenAsm.add(section + "\n" + p.asm())) return;
        String label = s.file().getFileName() + ":" + p.name();
        BpfProgram program;
        try {
            program = Assembler.assemble(p.name(), section, p.asm());
        } catch (AsmException e) {
            problems.add(new Problem(label, "asm line " + e.at().line() + ", column " + e.at().column() + ": " + e.reason(), false));
            return;
        }
        List<JitMap> maps = new ArrayList<>();
        for (Reloc r : program.relocations()) {
            String name = switch (r) {
                case Reloc.MapFd m -> m.map();
                case Reloc.MapValue m -> m.map();
                case Reloc.ArenaGlobal g -> g.arenaMap();
            };
            if (maps.stream().noneMatch(m -> m.name().equals(name))) maps.add(arenaOf(s, name));
        }
        objects.put(label, new JitObject(s.file().getFileName().toString(), maps, List.of(program)));
    }

    /** The scenario's arena {@code name} (its first create_arena of that name). */
    static JitMap arenaOf(Scenario s, String name) {
        for (Step step : s.steps()) {
            if (step instanceof Step.CreateArena c && c.spec().name().equals(name)) {
                ArenaSpec a = c.spec();
                // an address computed from run-time values (none in the corpus) is left to the kernel, as map_extra 0
                long extra = a.mapExtra().expr() instanceof Expr.Num n ? n.value() : 0;
                return JitMap.arena(name, a.maxEntries(), a.flags(), extra);
            }
        }
        throw new IllegalArgumentException(s.file() + ": program map[" + name + "] names no create_arena step");
    }

    private void addObject(Path file, String mcpu) {
        // a scenario names its file absolutely, a folder walk relatively: one object either way, shown from the working folder
        Path abs = file.toAbsolutePath().normalize();
        Path cwd = Path.of("").toAbsolutePath();
        String label = (abs.startsWith(cwd) ? cwd.relativize(abs) : abs) + (mcpu.equals("v4") ? "" : " -mcpu=" + mcpu);
        if (objects.containsKey(label) || problems.stream().anyMatch(p -> p.label().equals(label))) return;
        LibbpfObject o;
        try {
            byte[] elf = file.toString().endsWith(".c") ? CompiledObjects.compile(file, mcpu) : Files.readAllBytes(file);
            o = LibbpfObject.open(elf, OpenOptions.placement(placement));
        } catch (IOException e) {
            problems.add(new Problem(label, e.getMessage(), false));
            return;
        } catch (LibbpfException e) {
            // an object made to be refused (the corpus's big_globals: its __arena globals exceed the arena)
            problems.add(new Problem(label, e.getMessage(), true));
            return;
        }
        List<JitMap> maps = new ArrayList<>();
        for (MapDefinition d : o.object().maps()) {
            if (d.isArena()) {
                byte[] globals = o.object().arenaGlobals().map(DataSection::image).orElse(new byte[0]);
                maps.add(new JitMap(d.name(), d.type(), d.keySize(), d.valueSize(), d.maxEntries(), d.mapFlags(), d.mapExtra(),
                    new byte[0], false, o.arenaDataOffset(), globals));
            } else {
                byte[] image = o.object().dataSections().stream().filter(x -> x.name().equals(d.name())).findFirst()
                    .map(DataSection::image).orElse(new byte[0]);
                // libbpf freezes the read-only internal maps after filling them (bpf_object__populate_internal_map)
                boolean freeze = (d.mapFlags() & MapDefinition.BPF_F_RDONLY_PROG) != 0;
                maps.add(new JitMap(d.name(), d.type(), d.keySize(), d.valueSize(), d.maxEntries(), d.mapFlags(), d.mapExtra(),
                    image, freeze, 0, new byte[0]));
            }
        }
        List<BpfProgram> programs = o.object().programs().stream().map(p -> p.withArenaDataOffset(o.arenaDataOffset())).toList();
        objects.put(label, new JitObject(label, maps, programs));
    }
}
