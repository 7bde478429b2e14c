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

    @Test
    void aFileThatIsNotAKernelImage(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("vmlinuz"), "not a kernel\n".repeat(400));
        MainTest.Run r = MainTest.run("oracle", "--kernel", f.toString(), SCENARIO);
        assertEquals(2, r.status(), r.out() + r.err());
        assertTrue(r.err().contains("is not an x86 bzImage"), r.err());
    }

    @Test
    void aKernelWithoutTheArena() {
        MainTest.Run r = MainTest.run("oracle", "--kernel", "6.1", SCENARIO);
        assertEquals(2, r.status(), r.out() + r.err());
        assertTrue(r.err().contains("kernel 6.1 has no BPF arena"), r.err());
    }

    @Test
    void anUnknownSeries() {
        MainTest.Run r = MainTest.run("oracle", "--kernel", "9.9", SCENARIO);
        assertEquals(2, r.status(), r.out() + r.err());
        assertTrue(r.err().contains("unknown kernel version 9.9") && r.err().contains("7.3"), r.err());
    }

    @Test
    void neitherVersionNorPackageNorFile() {
        MainTest.Run r = MainTest.run("oracle", "--kernel", "no-such-thing", SCENARIO);
        assertEquals(2, r.status(), r.out() + r.err());
        assertTrue(r.err().contains("neither a version"), r.err());
    }

    @Test
    void jitWithNoProgramsIsBadInput(@TempDir Path dir) {
        MainTest.Run r = MainTest.run("oracle", "--jit", "--kernel", "7.3", dir.toString());
        assertEquals(2, r.status(), r.out() + r.err());
        assertTrue(r.err().contains("no programs (scenario programs or *.bpf.c) under"), r.err());
    }

    @Test
    void jitWithAProgramThatDoesNotAssembleIsBadInput(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("x.json"), """
            {"name": "x", "era": "latest", "arena": {"max_entries": 1},
             "programs": {"P": {"asm": "r0 = 0\\nexit"}}, "steps": []}""");
        Files.writeString(dir.resolve("bad.bpf.c"), "this is not C\n");
        MainTest.Run r = MainTest.run("oracle", "--jit", "--kernel", "9.9", dir.toString());
        assertEquals(2, r.status(), r.out() + r.err());
        assertTrue(r.err().contains("bad.bpf.c") && r.err().contains("unknown kernel version 9.9"), r.err());
        assertTrue(r.out().contains("1 programs in 1 objects"), r.out());
    }
}
