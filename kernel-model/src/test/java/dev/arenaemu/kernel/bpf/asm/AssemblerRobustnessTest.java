package dev.arenaemu.kernel.bpf.asm;

import static org.junit.jupiter.api.Assertions.*;

import dev.arenaemu.kernel.bpf.isa.BpfProgram;
import dev.arenaemu.kernel.bpf.isa.ValidInsns;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** Damaged assembler text is assembled or refused with an AsmException naming a real position. */
class AssemblerRobustnessTest {
    private static final String NOISE = "rw0123456789x+-*()[],:;=<>&|^%s/ abcdefghijklmnopqrstuvwxyz_.\n";

    @Property(tries = 2000)
    void mutatedTextNeverCrashesTheAssembler(@ForAll long seed) {
        Random r = new Random(seed);
        BpfProgram p = new BpfProgram("p", "syscall", ValidInsns.program(seed, 8), List.of());
        StringBuilder text = new StringBuilder(String.join("\n", Disassembler.program(p)));
        for (int edits = 1 + r.nextInt(3); edits > 0; edits--) {
            int at = r.nextInt(text.length() + 1);
            if (r.nextBoolean() && at < text.length()) text.deleteCharAt(at);
            else text.insert(at, NOISE.charAt(r.nextInt(NOISE.length())));
        }
        String source = text.toString();
        try {
            Assembler.insns(source);
        } catch (AsmException e) {
            String[] lines = source.split("\n", -1);
            assertTrue(e.line() >= 1 && e.line() <= lines.length, e.getMessage());
            assertTrue(e.column() >= 1 && e.column() <= lines[e.line() - 1].length() + 1, e.getMessage());
        }
    }
}
