package dev.arenaemu.scenarios.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Kernels the oracle cannot use are bad input (exit 2) with a message saying why; nothing boots. */
class OracleCommandTest {
    private static final String SCENARIO = "corpus/13-01-minimal-arena.json";

    /** The run's status is 2 and its error output says {@code message} (and {@code also}, when given). */
    private static MainTest.Run badInput(String message, String also, String... args) {
        MainTest.Run r = MainTest.run(args);
        assertEquals(2, r.status(), r.out() + r.err());
        assertTrue(r.err().contains(message) && r.err().contains(also), r.err());
        return r;
    }

    @Test
    void aFileThatIsNotAKernelImage(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("vmlinuz"), "not a kernel\n".repeat(400));
        badInput("is not an x86 bzImage", "", "oracle", "--kernel", f.toString(), SCENARIO);
    }

    @Test
    void aKernelWithoutTheArena() {
        badInput("kernel 6.1 has no BPF arena", "", "oracle", "--kernel", "6.1", SCENARIO);
    }

    @Test
    void anUnknownSeries() {
        badInput("unknown kernel version 9.9", "7.3", "oracle", "--kernel", "9.9", SCENARIO);
    }

    @Test
    void neitherVersionNorPackageNorFile() {
        badInput("neither a version", "", "oracle", "--kernel", "no-such-thing", SCENARIO);
    }

    @Test
    void jitWithNoProgramsIsBadInput(@TempDir Path dir) {
        badInput("no programs (scenario programs or *.bpf.c) under", "", "oracle", "--jit", "--kernel", "7.3", dir.toString());
    }

    @Test
    void jitWithAProgramThatDoesNotAssembleIsBadInput(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("x.json"), """
            {"name": "x", "era": "latest", "arena": {"max_entries": 1},
             "programs": {"P": {"asm": "r0 = 0\\nexit"}}, "steps": []}""");
        Files.writeString(dir.resolve("bad.bpf.c"), "this is not C\n");
        MainTest.Run r = badInput("bad.bpf.c", "unknown kernel version 9.9", "oracle", "--jit", "--kernel", "9.9", dir.toString());
        assertTrue(r.out().contains("1 programs in 1 objects"), r.out());
    }
}
