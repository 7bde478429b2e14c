package dev.arenaemu.scenarios.oracle;

import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.format.ScenarioReader;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end on a real kernel: the newest Debian 7.3 cloud build (downloaded once into
 * ~/.cache/arena-emu/kernels) boots under QEMU TCG and runs a few corpus scenarios covering
 * create, mmap, user reads and writes with fault-in, kfunc alloc/free, a BPF program, a C object
 * (its .bss map and __arena globals, sym()), SIGSEGV and pagemap frames; every observable step must
 * agree with the emulator's era latest. A scenario
 * whose user code never returns sits in the middle: the runner kills it after its time and
 * reports the step, and the scenarios after it still run in the same boot.
 */
class RealKernelTest {
    private static final List<String> SCENARIOS = List.of("13-01-minimal-arena.json", "13-28-fault-in-allocates.json",
        "13-28-program-and-user-share-pages.json", "13-35-sequential-alloc.json", "13-29-segv-on-fault.json",
        "13-e2e-one-object-two-programs.json");

    @Test
    void corpusSampleAgreesOnLinux73() throws Exception {
        KernelImage k = new Kernels().resolve("7.3");
        assertEquals(7, k.major());
        List<Scenario> scenarios = new ArrayList<>();
        for (String f : SCENARIOS) scenarios.add(ScenarioReader.read(Path.of("corpus", f)));
        Path work = Files.createTempDirectory("oracle-test");
        // "jmp ." at CPL3: the emulator stops it at its instruction budget, the kernel runs it until the runner's timeout
        scenarios.add(2, ScenarioReader.parse(work.resolve("hang.json"), """
            {"name": "hang", "era": "latest", "arena": {"max_entries": 1},
             "steps": [{"op": "mmap", "length": "4K"}, {"op": "run_code", "code": "eb fe"}]}"""));
        StringWriter log = new StringWriter();
        OracleRun.KernelResult r = OracleRun.run(k, scenarios, work, false, new PrintWriter(log));
        assertTrue(r.version().contains("7.3"), r.version());
        assertTrue(r.errors().isEmpty(), r.errors().toString());
        assertEquals(SCENARIOS.size() + 1, r.scenarios().size());
        OracleRun.ScenarioResult hang = r.scenarios().get(2);
        assertTrue(hang.error().startsWith("timed out") && hang.error().contains("step 1 (run_code)"), hang.error());
        assertInstanceOf(Verdict.Agree.class, hang.verdicts().get(1), "the mmap before it");
        assertInstanceOf(Verdict.Error.class, hang.verdicts().get(2));
        int agree = 0;
        for (OracleRun.ScenarioResult s : r.scenarios()) {
            if (s == hang) continue;
            assertEquals(null, s.error(), s.scenario().name());
            for (Verdict v : s.verdicts()) {
                assertTrue(!(v instanceof Verdict.Disagree) && !(v instanceof Verdict.Error), s.scenario().name() + ": " + v + "\n" + log);
                if (v instanceof Verdict.Agree) agree++;
            }
        }
        assertTrue(agree >= 20, "agreeing steps: " + agree + "\n" + log);
        // the fork-free sample has no step the runner cannot express
        assertInstanceOf(Verdict.Agree.class, r.scenarios().get(4).verdicts().getLast());
        // the C object: both programs run on the kernel, and the user reads the global at sym(total)
        assertTrue(r.scenarios().getLast().verdicts().stream().allMatch(v -> v instanceof Verdict.Agree), r.scenarios().getLast().verdicts().toString());
        assertEquals(1, r.boots(), "the hang cost no reboot");
    }

    @Test
    void aKernelThatPanicsIsReportedWithItsConsoleLine() throws Exception {
        KernelImage k = new Kernels().resolve("7.3");
        // an initramfs without /init: the kernel panics ("No working init found") and QEMU exits (-no-reboot)
        QemuBoot.Result r = QemuBoot.boot(k, new Cpio().dir("dev").charDevice("dev/console", 5, 1).finish(), Files.createTempDirectory("oracle-panic"));
        assertTrue(r.exited(), "QEMU exits after the panic (panic=-1, -no-reboot)");
        assertTrue(r.trouble() != null && r.trouble().contains("Kernel panic"), r.trouble() + "\n" + r.console());
        assertEquals(-1, r.troubleScenario());
        assertTrue(r.results().isEmpty());
    }
}
