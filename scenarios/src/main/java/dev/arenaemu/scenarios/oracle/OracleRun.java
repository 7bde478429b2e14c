package dev.arenaemu.scenarios.oracle;

import dev.arenaemu.scenarios.format.Scenario;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs scenarios on one real kernel and compares them with the emulator: compile the scenarios of
 * the kernel's era, boot the kernel with them, parse what the runner reported, replay each on the
 * emulator and compare step by step. A boot that ends early (panic, hang, runner crash) costs
 * only the scenario that was running: it gets the error, and the scenarios it did not reach get
 * another boot (at most {@link #MAX_BOOTS} in all).
 */
public final class OracleRun {
    static final int MAX_BOOTS = 4;

    /** One scenario on one kernel. {@code error} is the kernel side's, naming the step (null: it ran to the end). */
    public record ScenarioResult(Scenario scenario, List<Verdict> verdicts, String error) {}

    /** One kernel: what booted, the scenarios of its era, and errors that are the kernel's, not a scenario's. */
    public record KernelResult(KernelImage kernel, String version, List<ScenarioResult> scenarios, int skippedOtherEra,
                               List<String> errors, long millis, int boots) {}

    public static KernelResult run(KernelImage kernel, List<Scenario> all, Path work, boolean keep, PrintWriter progress) throws OracleException {
        long t0 = System.nanoTime();
        List<CompiledScenario> compiled = new ArrayList<>();
        int other = 0;
        for (Scenario s : all) {
            if (!s.eras().contains(kernel.era())) {
                other++;
                continue;
            }
            compiled.add(OpEncoder.compile(s, compiled.size(), kernel.era()));
        }
        Path runner = GuestImage.runner();
        Map<Integer, GuestResults.Scenario> seen = new HashMap<>();
        Map<Integer, String> errors = new HashMap<>();
        List<String> kernelErrors = new ArrayList<>();
        List<CompiledScenario> remaining = new ArrayList<>(compiled);
        String version = null;
        int boots = 0;
        while (!remaining.isEmpty() && boots < MAX_BOOTS) {
            boots++;
            StringBuilder text = new StringBuilder();
            for (CompiledScenario cs : remaining) text.append(cs.text());
            Path dir = work.resolve("boot-" + boots);
            QemuBoot.Result r = QemuBoot.boot(kernel, GuestImage.initramfs(runner, text.toString()), dir);
            GuestResults.Parsed parsed = GuestResults.parse(r.results());
            if (parsed.kernelVersion() == null) {
                String tail = tail(r.console(), 15);
                throw new OracleException("kernel " + kernel.release() + " (" + kernel.spec() + ") did not start the runner"
                    + (r.watchdog() != null ? ": " + r.watchdog() : r.trouble() != null ? ": " + r.trouble() : "") + "; console ends with:\n" + tail);
            }
            version = parsed.kernelVersion();
            if (!parsed.btf()) throw new OracleException("kernel " + kernel.release() + " has no /sys/kernel/btf/vmlinux: the runner needs BTF to call the arena kfuncs");
            List<CompiledScenario> next = new ArrayList<>();
            for (CompiledScenario cs : remaining) {
                GuestResults.Scenario s = parsed.scenarios().get(cs.number());
                if (s == null || !s.begun) {
                    next.add(cs);
                    continue;
                }
                seen.put(cs.number(), s);
                if (r.trouble() != null && r.troubleScenario() == cs.number()) {
                    errors.put(cs.number(), "the kernel reported \"" + r.trouble() + "\"" + after(cs, s));
                } else if (!s.ended && s.error == null) {
                    String why = r.watchdog() != null ? r.watchdog() : r.trouble() != null ? "the kernel reported \"" + r.trouble() + "\""
                        : "the guest stopped (QEMU exited)";
                    errors.put(cs.number(), why + after(cs, s));
                } else if (s.error != null) {
                    errors.put(cs.number(), s.error + after(cs, s));
                }
            }
            if (r.trouble() != null && r.troubleScenario() < 0) kernelErrors.add("boot " + boots + ": the kernel reported \"" + r.trouble() + "\" outside any scenario");
            if (!keep) deleteTree(dir);
            if (next.size() == remaining.size()) {
                kernelErrors.add("boot " + boots + " made no progress (" + (r.watchdog() != null ? r.watchdog() : "QEMU exited") + "); "
                    + next.size() + " scenario(s) not run");
                break;
            }
            remaining = next;
        }
        for (CompiledScenario cs : remaining) errors.putIfAbsent(cs.number(), "not run: the kernel stopped before it");
        List<ScenarioResult> out = new ArrayList<>();
        for (CompiledScenario cs : compiled) {
            SideResult emu = EmulatorSide.run(cs, kernel.era());
            GuestResults.Scenario s = seen.get(cs.number());
            SideResult k = GuestResults.side(cs, s, errors.get(cs.number()));
            List<Verdict> verdicts = Comparison.compare(cs.plans(), emu, k);
            out.add(new ScenarioResult(cs.scenario(), verdicts, errors.get(cs.number())));
            if (progress != null) OracleReport.scenarioLine(progress, cs.scenario(), verdicts, errors.get(cs.number()));
        }
        return new KernelResult(kernel, version, out, other, kernelErrors, (System.nanoTime() - t0) / 1_000_000, boots);
    }

    /** " (scenario X, step N (op) at file:line:col)": the step after the last one reported. */
    private static String after(CompiledScenario cs, GuestResults.Scenario s) {
        var steps = cs.scenario().steps();
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i).common().index() > s.lastStep && cs.plan(steps.get(i).common().index()).mode() != StepPlan.Mode.NOT_OBSERVABLE) {
                return " (scenario " + cs.scenario().name() + ", during " + steps.get(i).common().place() + ")";
            }
        }
        return " (scenario " + cs.scenario().name() + ", after its last step)";
    }

    static String tail(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    static void deleteTree(Path p) {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        } catch (IOException ignored) {
            // boot logs left behind are harmless
        }
    }
}
