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
 * create, mmap, user reads and writes with fault-in, kfunc alloc/free, a BPF program, fork and
 * pagemap frames; every observable step must agree with the emulator's era latest.
 */
class RealKernelTest {
    private static final List<String> SCENARIOS = List.of("13-01-minimal-arena.json", "13-28-fault-in-allocates.json",
        "13-28-program-and-user-share-pages.json", "13-35-sequential-alloc.json", "13-29-segv-on-fault.json");

    @Test
    void corpusSampleAgreesOnLinux73() throws Exception {
        KernelImage k = new Kernels().resolve("7.3");
        assertEquals(7, k.major());
        List<Scenario> scenarios = new ArrayList<>();
        for (String f : SCENARIOS) scenarios.add(ScenarioReader.read(Path.of("corpus", f)));
        Path work = Files.createTempDirectory("oracle-test");
        StringWriter log = new StringWriter();
        OracleRun.KernelResult r = OracleRun.run(k, scenarios, work, false, new PrintWriter(log));
        assertTrue(r.version().contains("7.3"), r.version());
        assertTrue(r.errors().isEmpty(), r.errors().toString());
        assertEquals(SCENARIOS.size(), r.scenarios().size());
        int agree = 0;
        for (OracleRun.ScenarioResult s : r.scenarios()) {
            assertEquals(null, s.error(), s.scenario().name());
            for (Verdict v : s.verdicts()) {
                assertTrue(!(v instanceof Verdict.Disagree) && !(v instanceof Verdict.Error), s.scenario().name() + ": " + v + "\n" + log);
                if (v instanceof Verdict.Agree) agree++;
            }
        }
        assertTrue(agree >= 20, "agreeing steps: " + agree + "\n" + log);
        // the fork-free sample has no step the runner cannot express
        assertInstanceOf(Verdict.Agree.class, r.scenarios().get(3).verdicts().getLast());
    }
}
