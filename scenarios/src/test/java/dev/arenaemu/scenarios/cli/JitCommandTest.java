package dev.arenaemu.scenarios.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code arena-emu jit}: the xlated program with the verifier's guards, the image per era and profile, located errors. */
class JitCommandTest {
    private static final String DIV = "r1 = 9\nr2 = 3\nr1 /= r2\nr0 = r1\nexit\n";

    @Test
    void printsTheGuardedXlatedProgramAndItsDisassembly(@TempDir Path dir) throws Exception {
        Path s = Files.writeString(dir.resolve("div.s"), DIV);
        MainTest.Run r = MainTest.run("jit", s.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("   2: (55) if r2 != 0x0 goto +0x2\n   3: (ac) w1 ^= w1\n   4: (05) goto +0x1\n   5: (3f) r1 /= r2"), r.out());
        assertTrue(r.out().contains("\tendbr64\n"), r.out());
        assertTrue(r.out().contains("48 f7 f6") && r.out().contains("\tdiv %rsi\n"), r.out());
        assertTrue(r.out().contains("\tint3\n"), r.out());
        MainTest.Run base = MainTest.run("jit", "--profile", "baseline", "--bytes", s.toString());
        assertEquals(0, base.status(), base.err());
        assertTrue(base.out().contains("    0: 0f 1f 44 00 00 0f 1f 00 55 48 89 e5"), base.out());
    }

    @Test
    void loadAcquireIsRefusedByTheV613Era(@TempDir Path dir) throws Exception {
        Path s = Files.writeString(dir.resolve("acq.s"), "r1 = r10\nr1 += -8\nr2 = 0\n*(u64 *)(r10 - 8) = r2\n"
            + "r0 = load_acquire((u64 *)(r1 + 0x0))\nexit\n");
        MainTest.Run old = MainTest.run("jit", "--era", "v6.13", s.toString());
        assertEquals(2, old.status(), old.out());
        assertTrue(old.err().contains("acq.s: verifier rejected acq at insn 4: BPF_ATOMIC uses invalid atomic opcode 100"), old.err());
        MainTest.Run now = MainTest.run("jit", "--era", "v7.0", s.toString());
        assertEquals(0, now.status(), now.err());
        assertTrue(now.out().contains("4881ec08000000"
            .replaceAll("(..)(?!$)", "$1 ").trim()), now.out());   // its 8 bytes of stack: sub rsp, 8
    }

    @Test
    void badInputIsALocatedErrorWithStatus2(@TempDir Path dir) throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.s"), "r0 = 0\nr0 = nope\nexit\n");
        MainTest.Run r = MainTest.run("jit", bad.toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("bad.s:2:"), r.err());
        assertEquals(2, MainTest.run("jit", "--era", "v5.0", bad.toString()).status());
        Path notElf = Files.writeString(dir.resolve("x.bpf.o"), "not an ELF file");
        MainTest.Run elf = MainTest.run("jit", notElf.toString());
        assertEquals(2, elf.status());
        assertTrue(elf.err().contains("x.bpf.o: "), elf.err());
        assertFalse(elf.err().contains("internal error"), elf.err());
    }
}
