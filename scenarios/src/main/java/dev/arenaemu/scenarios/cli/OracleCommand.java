package dev.arenaemu.scenarios.cli;

import dev.arenaemu.kernel.bpf.elf.ArenaGlobalsPlacement;
import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.oracle.JitCorpus;
import dev.arenaemu.scenarios.oracle.JitOracleRun;
import dev.arenaemu.scenarios.oracle.JitReport;
import dev.arenaemu.scenarios.oracle.KernelImage;
import dev.arenaemu.scenarios.oracle.Kernels;
import dev.arenaemu.scenarios.oracle.OracleException;
import dev.arenaemu.scenarios.oracle.OracleReport;
import dev.arenaemu.scenarios.oracle.OracleRun;
import dev.arenaemu.scenarios.oracle.Verdict;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "oracle", mixinStandardHelpOptions = true,
    description = "Replay scenarios on real Linux kernels under QEMU and compare them with the emulator, step by step (docs/oracle.md).")
@StartsPrograms({"qemu-system-x86_64", "gcc", "dpkg-deb", "clang-19"})   // boots kernels, builds the guest runner, unpacks kernel packages; --jit compiles the C programs
final class OracleCommand implements Callable<Integer> {
    @Option(names = "--kernel", required = true, paramLabel = "K",
        description = "A kernel: a series (6.12, 7.0, 7.3: the newest Debian cloud build), a package name, a .deb, or a bzImage. Repeatable.")
    List<String> kernels;

    @CommandLine.Mixin
    ReportFiles reports;

    @Option(names = "--keep", paramLabel = "DIR", arity = "0..1", fallbackValue = "oracle-logs",
        description = "Keep each boot's console log, results and initramfs under DIR (default oracle-logs).")
    Path keep;

    @Option(names = "--jit", description = "Compare the programs instead of the scenarios: every inline assembler and C program "
        + "of the scenarios and every *.bpf.c under the folders, loaded on each kernel; its xlated and jited images "
        + "(BPF_OBJ_GET_INFO_BY_FD) against the emulator's, after masking addresses (docs/oracle.md, JIT images).")
    boolean jit;

    @Option(names = "--era", paramLabel = "ERA",
        description = "Compare every kernel with this era or profile instead of the one its build maps to (" + Era.KNOWN + "), e.g. to see what a stable build's backports change.")
    String era;

    @CommandLine.Mixin
    ScenarioPaths paths;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Era asked = era == null ? null : Scenarios.era(era, spec);
        Scenarios.Loaded loaded = jit ? Scenarios.load(paths.paths, err, true) : paths.load(err);
        if (loaded == null) return Main.BAD_INPUT;
        if (jit) return jit(loaded, asked, out, err);
        List<OracleRun.KernelResult> results = new ArrayList<>();
        boolean kernelError = eachKernel(out, err, asked, image -> image.eraNote() != null ? " (" + image.eraNote() + ")" : "", (image, work) -> {
            OracleRun.KernelResult r = OracleRun.run(image, loaded.scenarios(), work, keep != null, out);
            results.add(r);
            return !r.errors().isEmpty() || r.scenarios().stream().anyMatch(s -> s.error() != null);
        });
        OracleReport.table(out, results);
        if (reports.json != null) OracleReport.json(reports.json, results);
        if (reports.junit != null) OracleReport.junit(reports.junit, results);
        if (kernelError || loaded.badFiles() > 0) return Main.BAD_INPUT;
        boolean disagree = results.stream().flatMap(r -> r.scenarios().stream()).flatMap(s -> s.verdicts().stream())
            .anyMatch(v -> v instanceof Verdict.Disagree);
        return disagree ? Main.FAILED : Main.PASS;
    }

    /** --jit: the programs' images per kernel (JitOracleRun), one line per program, the counts per kernel. */
    private int jit(Scenarios.Loaded loaded, Era asked, PrintWriter out, PrintWriter err) throws IOException {
        JitCorpus.Collected corpus = JitCorpus.collect(loaded.scenarios(), paths.paths, ArenaGlobalsPlacement.END_OF_ARENA);
        for (JitCorpus.Problem p : corpus.problems()) {
            if (p.libbpfRefuses()) out.println("  " + p.label() + ": not loaded: libbpf refuses to open it: " + p.reason());
            else err.println("arena-emu oracle: " + p.label() + ": " + p.reason());
        }
        boolean badInput = corpus.problems().stream().anyMatch(p -> !p.libbpfRefuses());
        if (corpus.objects().isEmpty()) {
            err.println("arena-emu oracle: no programs (scenario programs or *.bpf.c) under " + paths);
            return Main.BAD_INPUT;
        }
        int programs = corpus.objects().stream().mapToInt(o -> o.programs().size()).sum();
        out.println(programs + " programs in " + corpus.objects().size() + " objects");
        List<JitOracleRun.KernelResult> results = new ArrayList<>();
        boolean kernelError = eachKernel(out, err, asked, image -> ", JIT profile debian-cloud", (image, work) -> {
            JitOracleRun.KernelResult r = JitOracleRun.run(image, corpus.objects(), work, keep != null, out);
            results.add(r);
            return !r.errors().isEmpty() || r.programs().stream().anyMatch(p -> p.kind() == JitOracleRun.Kind.ERROR);
        });
        JitReport.table(out, results);
        if (reports.json != null) JitReport.json(reports.json, results);
        if (reports.junit != null) JitReport.junit(reports.junit, results);
        if (kernelError || badInput || loaded.badFiles() > 0) return Main.BAD_INPUT;
        boolean differs = results.stream().flatMap(r -> r.programs().stream()).anyMatch(p -> p.kind() == JitOracleRun.Kind.LOAD_DIFFERS
            || p.kind() == JitOracleRun.Kind.COMPARED && !(p.result().xlatedIdentical() && p.result().jitedIdentical()));
        return differs ? Main.FAILED : Main.PASS;
    }

    /** One kernel's run in {@code work}; true when the kernel side had an error. */
    private interface KernelRun {
        boolean run(KernelImage image, Path work) throws OracleException, IOException;
    }

    /** Resolves each --kernel (compared with {@code asked} when --era names one) and runs {@code run} on it; true when some kernel could not be used or had an error. */
    private boolean eachKernel(PrintWriter out, PrintWriter err, Era asked, java.util.function.Function<KernelImage, String> note, KernelRun run)
        throws IOException {
        boolean kernelError = false;
        Kernels resolver = new Kernels();
        for (String k : kernels) {
            try {
                KernelImage image = resolver.resolve(k);
                if (asked != null) image = image.comparedWith(asked);
                out.println("kernel " + image.release() + " (" + k + "), era " + image.era() + note.apply(image));
                out.flush();
                Path work = keep != null ? keep.resolve(image.release()) : Files.createTempDirectory("arena-emu-oracle");
                kernelError |= run.run(image, work);
                if (keep == null) Files.deleteIfExists(work);
            } catch (OracleException e) {
                err.println("arena-emu oracle: " + e.getMessage());
                err.flush();
                kernelError = true;
            }
        }
        return kernelError;
    }
}
