package dev.arenaemu.scenarios.cli;

import dev.arenaemu.scenarios.format.Era;
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
@StartsPrograms({"qemu-system-x86_64", "gcc", "dpkg-deb"})   // boots kernels, builds the guest runner, unpacks kernel packages
final class OracleCommand implements Callable<Integer> {
    @Option(names = "--kernel", required = true, paramLabel = "K",
        description = "A kernel: a series (6.12, 7.0, 7.3: the newest Debian cloud build), a package name, a .deb, or a bzImage. Repeatable.")
    List<String> kernels;

    @CommandLine.Mixin
    ReportFiles reports;

    @Option(names = "--keep", paramLabel = "DIR", arity = "0..1", fallbackValue = "oracle-logs",
        description = "Keep each boot's console log, results and initramfs under DIR (default oracle-logs).")
    Path keep;

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
        Scenarios.Loaded loaded = paths.load(err);
        if (loaded == null) return Main.BAD_INPUT;
        List<OracleRun.KernelResult> results = new ArrayList<>();
        boolean kernelError = false;
        Kernels resolver = new Kernels();
        for (String k : kernels) {
            try {
                KernelImage image = resolver.resolve(k);
                if (asked != null) image = image.comparedWith(asked);
                out.println("kernel " + image.release() + " (" + k + "), era " + image.era() + (image.eraNote() != null ? " (" + image.eraNote() + ")" : ""));
                out.flush();
                Path work = keep != null ? keep.resolve(image.release()) : Files.createTempDirectory("arena-emu-oracle");
                OracleRun.KernelResult r = OracleRun.run(image, loaded.scenarios(), work, keep != null, out);
                results.add(r);
                kernelError |= !r.errors().isEmpty() || r.scenarios().stream().anyMatch(s -> s.error() != null);
                if (keep == null) Files.deleteIfExists(work);
            } catch (OracleException e) {
                err.println("arena-emu oracle: " + e.getMessage());
                err.flush();
                kernelError = true;
            }
        }
        OracleReport.table(out, results);
        if (reports.json != null) OracleReport.json(reports.json, results);
        if (reports.junit != null) OracleReport.junit(reports.junit, results);
        if (kernelError || loaded.badFiles() > 0) return Main.BAD_INPUT;
        boolean disagree = results.stream().flatMap(r -> r.scenarios().stream()).flatMap(s -> s.verdicts().stream())
            .anyMatch(v -> v instanceof Verdict.Disagree);
        return disagree ? Main.FAILED : Main.PASS;
    }
}
