package dev.arenaemu.scenarios.oracle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One boot of a kernel under QEMU TCG with the runner's initramfs. The kernel console (ttyS0)
 * and the runner's results (ttyS1) go to two files, so kernel messages never interleave with
 * result lines. A watchdog ends the boot when nothing arrives for too long (boot, or a scenario
 * beyond its own timeout) and notes the first panic/oops/WARN text with the scenario then running.
 */
final class QemuBoot {
    /** TCG boots of the Debian cloud kernels took 3-4 s here; a loaded machine gets a lot more. */
    static final long BOOT_TIMEOUT_MS = 120_000;
    static final long STALL_TIMEOUT_MS = OpEncoder.SCENARIO_TIMEOUT_MS + 30_000;
    static final List<String> KERNEL_TROUBLE = List.of("Kernel panic", "Oops", "BUG:", "general protection fault", "WARNING:", "Call Trace:");

    /**
     * What a boot produced. {@code trouble} is the first kernel panic/oops/WARN line (null if
     * none) and {@code troubleScenario} the scenario number running when it appeared (-1 none).
     */
    record Result(List<String> results, String console, boolean exited, String watchdog, String trouble, int troubleScenario, long millis) {}

    static Result boot(KernelImage kernel, byte[] initramfs, Path work) throws OracleException {
        Path qemu = Host.tool("QEMU", "qemu-system-x86", "/usr/bin/qemu-system-x86_64");
        Path initrd = work.resolve("initramfs.cpio"), console = work.resolve("console.log"), results = work.resolve("results.log");
        try {
            Files.createDirectories(work);
            Files.write(initrd, initramfs);
            Files.deleteIfExists(console);
            Files.deleteIfExists(results);
        } catch (IOException e) {
            throw new OracleException("cannot write the initramfs to " + work + ": " + e.getMessage(), e);
        }
        List<String> cmd = List.of(qemu.toString(), "-accel", "tcg", "-cpu", "max", "-m", "1G", "-nographic", "-no-reboot",
            "-monitor", "none", "-serial", "file:" + console, "-serial", "file:" + results,
            "-kernel", kernel.vmlinuz().toString(), "-initrd", initrd.toString(),
            "-append", "console=ttyS0 panic=-1 quiet");
        long t0 = System.nanoTime();
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(work.resolve("qemu.log").toFile()).start();
        } catch (IOException e) {
            throw new OracleException("cannot start " + qemu + ": " + e.getMessage(), e);
        }
        String watchdog = null, trouble = null;
        int troubleScenario = -1;
        long lastGrowth = System.nanoTime();
        int lastLines = 0;
        boolean booted = false;
        try {
            long resultsSize = -1, consoleSize = -1;
            List<String> lines = List.of();
            while (true) {
                boolean exited = p.waitFor(100, TimeUnit.MILLISECONDS);
                // the files are read again only when they grew: the host is shared
                long rs = size(results), cs = size(console);
                if (rs != resultsSize) lines = readLines(results);
                String con = cs != consoleSize && trouble == null ? read(console) : "";
                resultsSize = rs;
                consoleSize = cs;
                if (trouble == null) {
                    for (String marker : KERNEL_TROUBLE) {
                        int at = con.indexOf(marker);
                        if (at < 0) continue;
                        int start = con.lastIndexOf('\n', at) + 1, end = con.indexOf('\n', at);
                        trouble = con.substring(start, end < 0 ? con.length() : end).strip();
                        troubleScenario = running(lines);
                        break;
                    }
                }
                if (exited) break;
                if (lines.size() != lastLines) {
                    lastLines = lines.size();
                    lastGrowth = System.nanoTime();
                    booted |= lines.stream().anyMatch(l -> l.contains("\"boot\""));
                }
                long quiet = (System.nanoTime() - lastGrowth) / 1_000_000;
                if (!booted && quiet > BOOT_TIMEOUT_MS) watchdog = "the kernel did not start the runner within " + BOOT_TIMEOUT_MS / 1000 + " s";
                else if (booted && quiet > STALL_TIMEOUT_MS) watchdog = "the guest hung: no result for " + STALL_TIMEOUT_MS / 1000 + " s";
                if (watchdog != null) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                    break;
                }
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new OracleException("interrupted while " + kernel.release() + " was running");
        }
        return new Result(readLines(results), read(console), watchdog == null, watchdog, trouble, troubleScenario, (System.nanoTime() - t0) / 1_000_000);
    }

    /** The scenario that began and has not ended in {@code lines}, or -1. */
    static int running(List<String> lines) {
        int current = -1;
        for (String l : lines) {
            if (!l.contains(GuestResults.MARK)) continue;
            int sc = l.indexOf("\"sc\":");
            if (sc < 0) continue;
            int n = 0, i = sc + 5;
            while (i < l.length() && Character.isDigit(l.charAt(i))) n = n * 10 + (l.charAt(i++) - '0');
            if (l.contains("\"begin\"")) current = n;
            else if (l.contains("\"end\"") || l.contains("\"timeout\"") || l.contains("\"crash\"")) current = -1;
        }
        return current;
    }

    private static long size(Path p) {
        try {
            return Files.exists(p) ? Files.size(p) : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? new String(Files.readAllBytes(p), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static List<String> readLines(Path p) {
        List<String> out = new ArrayList<>();
        String all = read(p);
        // only complete lines: the last one may still be arriving
        int end = all.lastIndexOf('\n');
        if (end < 0) return out;
        for (String l : all.substring(0, end).split("\n")) out.add(l.replace("\r", ""));
        return out;
    }
}
