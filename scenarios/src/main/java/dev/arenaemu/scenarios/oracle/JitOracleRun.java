package dev.arenaemu.scenarios.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.bpf.jit.JitProfile;
import dev.arenaemu.scenarios.replay.World;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * {@code oracle --jit} on one kernel: every {@link JitObject} loaded in one boot (re-booting for
 * the objects a crash left out, as {@link OracleRun} does), each program's images compared with
 * the emulator's under the kernel's era and the Debian cloud JIT profile.
 */
public final class JitOracleRun {
    private JitOracleRun() {}

    public enum Kind { COMPARED, BOTH_REFUSE, LOAD_DIFFERS, NOT_OBSERVABLE, ERROR }

    /** One program on one kernel. {@code result} is set for COMPARED; {@code note} says the rest. */
    public record ProgramResult(String program, Kind kind, JitComparison.Result result, String note) {}

    public record KernelResult(KernelImage kernel, String version, List<ProgramResult> programs, List<String> errors, long millis, int boots) {}

    /** The profile of the kernels the oracle boots: Debian's cloud build (IBT, SLS) on QEMU -cpu max (BMI2). */
    static final JitProfile PROFILE = JitProfile.DEBIAN_CLOUD;

    public static KernelResult run(KernelImage kernel, List<JitObject> objects, Path work, boolean keep, PrintWriter progress) throws OracleException {
        long t0 = System.nanoTime();
        Path runner = GuestImage.runner();
        Map<Integer, GuestResults.Scenario> seen = new HashMap<>();
        Map<Long, String> symbols = new HashMap<>();
        Map<Integer, String> errors = new HashMap<>();
        List<String> kernelErrors = new ArrayList<>();
        List<Integer> remaining = new ArrayList<>();
        for (int i = 0; i < objects.size(); i++) remaining.add(i);
        String version = null;
        int boots = 0;
        while (!remaining.isEmpty() && boots < OracleRun.MAX_BOOTS) {
            boots++;
            StringBuilder text = new StringBuilder();
            for (int i : remaining) text.append(JitOpEncoder.encode(objects.get(i), i));
            Path dir = work.resolve("jit-boot-" + boots);
            QemuBoot.Result r = QemuBoot.boot(kernel, GuestImage.initramfs(runner, text.toString()), dir);
            GuestResults.Parsed parsed = GuestResults.parse(r.results());
            symbols.putAll(kallsyms(r.results()));
            if (parsed.kernelVersion() == null) {
                throw new OracleException("kernel " + kernel.release() + " (" + kernel.spec() + ") did not start the runner"
                    + (r.watchdog() != null ? ": " + r.watchdog() : r.trouble() != null ? ": " + r.trouble() : "") + "; console ends with:\n"
                    + OracleRun.tail(r.console(), 15));
            }
            version = parsed.kernelVersion();
            if (!parsed.btf()) throw new OracleException("kernel " + kernel.release() + " has no /sys/kernel/btf/vmlinux: the runner needs BTF for kfunc ids");
            List<Integer> next = new ArrayList<>();
            for (int i : remaining) {
                GuestResults.Scenario s = parsed.scenarios().get(i);
                if (s == null || !s.begun) {
                    next.add(i);
                    continue;
                }
                seen.put(i, s);
                if (r.trouble() != null && r.troubleScenario() == i) errors.put(i, "the kernel reported \"" + r.trouble() + "\"");
                else if (s.error != null) errors.put(i, s.error);
                else if (!s.ended) errors.put(i, r.watchdog() != null ? r.watchdog() : "the guest stopped (QEMU exited)");
            }
            if (r.trouble() != null && r.troubleScenario() < 0) kernelErrors.add("boot " + boots + ": the kernel reported \"" + r.trouble() + "\" outside any object");
            if (!keep) OracleRun.deleteTree(dir);
            if (next.size() == remaining.size()) {
                kernelErrors.add("boot " + boots + " made no progress; " + next.size() + " object(s) not loaded");
                break;
            }
            remaining = next;
        }
        for (int i : remaining) errors.putIfAbsent(i, "not run: the kernel stopped before it");
        KernelEra era = World.kernelEra(kernel.era());
        List<ProgramResult> out = new ArrayList<>();
        for (int i = 0; i < objects.size(); i++) {
            JitObject o = objects.get(i);
            List<JitEmulator.Loaded> emu = JitEmulator.load(o, era, PROFILE);
            GuestResults.Scenario s = seen.get(i);
            for (int p = 0; p < o.programs().size(); p++) {
                JsonNode k = s == null ? null : s.steps.get(p);
                ProgramResult pr = judge(o.programLabel(p), emu.get(p), k, errors.get(i), symbols);
                out.add(pr);
                if (progress != null) JitReport.line(progress, pr);
            }
        }
        return new KernelResult(kernel, version, out, kernelErrors, (System.nanoTime() - t0) / 1_000_000, boots);
    }

    /** One program: the kernel's result line {@code k} (null: none came) against the emulator's load. */
    static ProgramResult judge(String label, JitEmulator.Loaded emu, JsonNode k, String objectError, Map<Long, String> symbols) {
        if (k == null) return new ProgramResult(label, Kind.ERROR, null, objectError != null ? objectError : "the runner reported nothing for it");
        if (k.path("no").asInt() == 1) return new ProgramResult(label, Kind.NOT_OBSERVABLE, null, k.path("note").asText());
        long ret = k.path("ret").asLong();
        boolean kernelLoads = ret == 0 && k.has("jited");
        if (ret == 0 && !k.has("jited")) return new ProgramResult(label, Kind.ERROR, null, k.path("note").asText("no images"));
        boolean emuLoads = emu.listing() != null;
        if (!kernelLoads && !emuLoads) {
            return new ProgramResult(label, Kind.BOTH_REFUSE, null, "kernel " + ret + " (" + k.path("note").asText() + "); emulator " + emu.errno() + " (" + emu.refusal() + ")");
        }
        if (!kernelLoads) return new ProgramResult(label, Kind.LOAD_DIFFERS, null, "the kernel refuses it (" + ret + ": " + k.path("note").asText() + "), the emulator loads it");
        if (!emuLoads) return new ProgramResult(label, Kind.LOAD_DIFFERS, null, "the emulator refuses it (" + emu.errno() + ": " + emu.refusal() + "), the kernel loads it");
        return new ProgramResult(label, Kind.COMPARED, JitComparison.compare(emu.listing(), images(k, symbols)), null);
    }

    static JitComparison.KernelImages images(JsonNode k, Map<Long, String> symbols) {
        byte[] xlated = HexFormat.of().parseHex(k.path("xlated").asText());
        byte[] jited = HexFormat.of().parseHex(k.path("jited").asText());
        int[] lens = new int[k.path("lens").size()];
        for (int i = 0; i < lens.length; i++) lens[i] = k.path("lens").get(i).asInt();
        long[] ksyms = new long[k.path("ksyms").size()];
        for (int i = 0; i < ksyms.length; i++) ksyms[i] = Long.parseUnsignedLong(k.path("ksyms").get(i).asText(), 16);
        return new JitComparison.KernelImages(JitComparison.insns(xlated), jited, lens, ksyms, symbols);
    }

    /** The runner's "kallsyms" line (the arena kfuncs' addresses), by address. */
    static Map<Long, String> kallsyms(List<String> lines) {
        Map<Long, String> out = new HashMap<>();
        for (String l : lines) {
            int at = l.indexOf(GuestResults.MARK + "{\"kallsyms\"");
            if (at < 0) continue;
            try {
                JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(l.substring(at + GuestResults.MARK.length())).get("kallsyms");
                n.fields().forEachRemaining(e -> out.put(Long.parseUnsignedLong(e.getValue().asText(), 16), e.getKey()));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                // a garbled line leaves the kfunc call targets masked
            }
        }
        return out;
    }
}
