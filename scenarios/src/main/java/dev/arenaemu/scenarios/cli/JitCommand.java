package dev.arenaemu.scenarios.cli;

import dev.arenaemu.ArenaEmu;
import dev.arenaemu.kernel.CreateResult;
import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.arena.ArenaAttr;
import dev.arenaemu.kernel.bpf.BpfMap;
import dev.arenaemu.kernel.bpf.BpfProg;
import dev.arenaemu.kernel.bpf.BpfSyscall;
import dev.arenaemu.kernel.bpf.ProgLoadAttr;
import dev.arenaemu.kernel.bpf.ProgLoadResult;
import dev.arenaemu.kernel.bpf.asm.AsmException;
import dev.arenaemu.kernel.bpf.asm.Assembler;
import dev.arenaemu.kernel.bpf.elf.ArenaGlobalsPlacement;
import dev.arenaemu.kernel.bpf.elf.ElfException;
import dev.arenaemu.kernel.bpf.isa.BpfProgram;
import dev.arenaemu.kernel.bpf.isa.Reloc;
import dev.arenaemu.kernel.bpf.jit.JitListing;
import dev.arenaemu.kernel.bpf.jit.JitProfile;
import dev.arenaemu.user.Process;
import dev.arenaemu.user.libbpf.BpfSkeleton;
import dev.arenaemu.user.libbpf.LibbpfException;
import dev.arenaemu.user.libbpf.LibbpfObject;
import dev.arenaemu.user.libbpf.OpenOptions;
import dev.arenaemu.user.libbpf.SkeletonProgram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code arena-emu jit FILE.bpf.o|FILE.s}: what the kernel of an era makes of a program, as
 * {@code bpftool prog dump xlated} and {@code dump jited} show it. The program goes through the
 * same path as a replay's load (libbpf open + load for an object, with its maps; an assembler file
 * gets one arena per map it names), then the verified program is compiled with the chosen
 * {@link JitProfile} (default: a Debian cloud kernel on a CPU with BMI2).
 */
@Command(name = "jit", mixinStandardHelpOptions = true,
    description = "Prints the verifier's rewritten (xlated) instructions and the x86-64 JIT image of a BPF program.")
final class JitCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "a BPF object (.bpf.o/.o) or assembler source (.s)")
    Path file;

    @Option(names = "--era", defaultValue = "latest", description = "kernel era: v6.9, v6.10 (v6.11, v6.12), v6.13, v7.0, latest (default), or a stable-build profile: v6.12-stable, v7.0-stable")
    String era;

    @Option(names = "--section", description = "object: the program (name or ELF section) to show, default all; .s: its section (default syscall)")
    String section;

    @Option(names = "--bytes", description = "the image as raw hex instead of a disassembly")
    boolean bytes;

    @Option(names = "--masked", description = "print address bytes and immediates as .. (what differs between loads)")
    boolean masked;

    @Option(names = "--profile", defaultValue = "debian-cloud", description = "debian-cloud (BMI2, IBT, SLS; default), emulated-cpu (what programs run here are compiled for), baseline (no BMI2, IBT, SLS)")
    String profile;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Bad input, located: the message names the file and, where it can, the line or instruction. */
    static final class BadInput extends Exception {
        BadInput(String message) {
            super(message);
        }
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            KernelEra kernelEra = KernelEra.parse(era);
            if (kernelEra == null) throw new BadInput("--era " + era + ": not an era (v6.9, v6.10, v6.13, v7.0, latest) or profile (v6.12-stable, v7.0-stable)");
            JitProfile p = switch (profile.toLowerCase(Locale.ROOT)) {
                case "debian-cloud" -> JitProfile.DEBIAN_CLOUD;
                case "emulated-cpu" -> JitProfile.EMULATED_CPU;
                case "baseline" -> JitProfile.BASELINE;
                default -> throw new BadInput("--profile " + profile + ": not a profile (debian-cloud, emulated-cpu, baseline)");
            };
            List<JitListing> listings = listings(file, kernelEra, section, p);
            for (JitListing l : listings) print(out, l, kernelEra, p);
            out.flush();
            return Main.PASS;
        } catch (BadInput e) {
            err.println("arena-emu jit: " + e.getMessage());
            return Main.BAD_INPUT;
        }
    }

    private void print(PrintWriter out, JitListing l, KernelEra kernelEra, JitProfile p) {
        out.printf("%s: era %s, bmi2=%s ibt=%s sls=%s, %d xlated insns, %d bytes jited%n", l.name(), kernelEra, p.bmi2(), p.ibt(),
            p.slsInt3(), l.xlated().size(), l.image().code().length);
        out.println("xlated:");
        if (masked) {
            JitListing m = new JitListing(l.name(), l.maskedXlated(), l.xlatedImmMask(), l.image(), l.imageMask());
            m.xlatedText().forEach(out::println);
        } else {
            l.xlatedText().forEach(out::println);
        }
        out.println("jited:");
        (bytes ? l.bytesText(masked) : l.jitedText(masked)).forEach(out::println);
        out.println();
    }

    /** The listings of the programs in {@code file} (all, or the one {@code section} names). */
    static List<JitListing> listings(Path file, KernelEra era, String section, JitProfile profile) throws BadInput {
        String name = file.getFileName().toString();
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new BadInput(file + ": cannot read: " + e.getMessage());
        }
        boolean asm = name.endsWith(".s");
        if (!asm && !name.endsWith(".o")) throw new BadInput(file + ": expected a .bpf.o/.o object or a .s assembler file");
        // closing the system exits the process and releases the programs, as the process's exit would
        try (ArenaEmu emu = ArenaEmu.boot(era)) {
            BpfSyscall bpf = emu.bpf();
            Process user = emu.spawn();
            List<BpfProg> progs = asm ? loadAsm(file, new String(content, StandardCharsets.UTF_8), section, bpf)
                : loadObject(file, content, era, section, user, bpf);
            List<JitListing> out = new ArrayList<>();
            for (BpfProg prog : progs) {
                long kern = prog.arena().map(a -> a.kernVmStart()).orElse(0L);
                long userStart = prog.arena().map(a -> a.userVmStart()).orElse(0L);
                out.add(JitListing.of(prog.name(), prog.verified(), BpfSyscall.jitOptions(prog.verified(), kern, userStart, era, profile)));
            }
            return out;
        }
    }

    private static List<BpfProg> loadObject(Path file, byte[] elf, KernelEra era, String section, Process user, BpfSyscall bpf) throws BadInput {
        // libbpf before Dec 2025 (eras v6.9 to v6.13 and the profiles built on them) puts globals at offset 0
        ArenaGlobalsPlacement placement = era.base().compareTo(KernelEra.V7_0) < 0 ? ArenaGlobalsPlacement.OFFSET_ZERO : ArenaGlobalsPlacement.END_OF_ARENA;
        LibbpfObject object;
        try {
            object = LibbpfObject.open(elf, OpenOptions.placement(placement));
        } catch (LibbpfException e) {
            throw new BadInput(file + ": " + e.getMessage());
        } catch (ElfException e) {
            throw new BadInput(file + ": " + e.getMessage());
        }
        List<BpfProgram> all = object.object().programs();
        if (section != null) {
            boolean found = all.stream().anyMatch(pr -> pr.name().equals(section) || pr.section().equals(section));
            if (!found) throw new BadInput(file + ": no program or section \"" + section + "\" (have: "
                + all.stream().map(pr -> pr.name() + " [" + pr.section() + "]").toList() + ")");
            for (BpfProgram pr : all) object.setAutoload(pr.name(), pr.name().equals(section) || pr.section().equals(section));
        }
        BpfSkeleton skeleton;
        try {
            skeleton = object.load(user, bpf);
        } catch (LibbpfException e) {
            throw new BadInput(file + ": " + e.getMessage());
        }
        return skeleton.programs().stream().map(SkeletonProgram::prog).toList();
    }

    /** An assembler file: one arena of 100 pages at 1 << 44 for every map name it references. */
    private static List<BpfProg> loadAsm(Path file, String text, String section, BpfSyscall bpf) throws BadInput {
        String stem = file.getFileName().toString().replaceFirst("\\.s$", "");
        BpfProgram program;
        try {
            program = Assembler.assemble(stem, section == null ? "syscall" : section, text);
        } catch (AsmException e) {
            throw new BadInput(file + ":" + e.at().line() + ":" + e.at().column() + ": " + e.reason());
        }
        Map<String, BpfMap> maps = new LinkedHashMap<>();
        for (Reloc r : program.relocations()) {
            String map = switch (r) {
                case Reloc.MapFd m -> m.map();
                case Reloc.MapValue m -> m.map();
                case Reloc.ArenaGlobal g -> g.arenaMap();
            };
            if (maps.containsKey(map)) continue;
            switch (bpf.mapCreateArena(map, ArenaAttr.of(100, 0, 1L << 44))) {
                case CreateResult.Created<BpfMap> c -> maps.put(map, c.object());
                case CreateResult.Failed<BpfMap> f -> throw new BadInput(file + ": creating arena \"" + map + "\": " + Errno.describe(f.errno().neg()));
            }
        }
        return switch (bpf.progLoad(program, maps, ProgLoadAttr.DEFAULT)) {
            case ProgLoadResult.Loaded l -> List.of(l.prog());
            case ProgLoadResult.Rejected r -> throw new BadInput(file + ": verifier rejected " + stem
                + (r.insnIndex() >= 0 ? " at insn " + r.insnIndex() : "") + ": " + r.log() + " (" + Errno.describe(r.errno().neg()) + ")");
        };
    }
}
