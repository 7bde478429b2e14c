package dev.arenaemu.kernel.bpf.jit;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

/** The bpf_conformance plugin protocol: hex program on stdin, memory argument in r1/r2, r0 in hex. */
class ConformancePluginTest {
    private record Run(int status, String out, String err) {}

    private static Run run(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = ConformancePlugin.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.US_ASCII)),
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8).trim(), err.toString(StandardCharsets.UTF_8).trim());
    }

    @Test
    void programOnStdinPrintsR0InHex() {
        // mov32 r0, 1; add32 r0, 2; exit   (bpf_conformance add.data)
        Run r = run("b4 00 00 00 01 00 00 00 04 00 00 00 02 00 00 00 95 00 00 00 00 00 00 00\n");
        assertEquals(new Run(0, "3", ""), r);
    }

    @Test
    void memoryArgumentIsPassedInR1WithItsLengthInR2() {
        // r0 = *(u16 *)(r1 + 2); r0 += r2; exit
        Run r = run("69 10 02 00 00 00 00 00 0f 20 00 00 00 00 00 00 95 00 00 00 00 00 00 00", "aa bb cc dd");
        assertEquals(new Run(0, Long.toHexString(0xDDCC + 4), ""), r);
    }

    @Test
    void programFlagTakesTheProgramFromArguments() {
        // mov r0, -1; exit
        Run r = run("", "--program", "b7 00 00 00 ff ff ff ff 95 00 00 00 00 00 00 00");
        assertEquals(new Run(0, "ffffffffffffffff", ""), r);
    }

    @Test
    void invalidProgramFailsWithStatusOneAndAMessage() {
        Run r = run("ff 00 00 00 00 00 00 00 95 00 00 00 00 00 00 00");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("insn 0: unsupported opcode 0xff"), r.err());
    }

    @Test
    void wildMemoryAccessIsAnOopsWithStatusOne() {
        // r0 = *(u64 *)(r2 + 0) with r2 = 0 (length of empty memory)
        Run r = run("79 20 00 00 00 00 00 00 95 00 00 00 00 00 00 00");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("#PF"), r.err());
    }
}
