package dev.arenaemu.kernel.bpf.asm;

import static org.junit.jupiter.api.Assertions.*;

import dev.arenaemu.kernel.bpf.isa.BpfProgram;
import dev.arenaemu.kernel.bpf.isa.ValidInsns;
import dev.arenaemu.kernel.testing.SeededCheck;
import dev.arenaemu.kernel.testing.SeededCheck.Reducer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Damaged assembler text is assembled or refused with an AsmException naming a real position. */
class AssemblerRobustnessTest {
    private static final String NOISE = "rw0123456789x+-*()[],:;=<>&|^%s/ abcdefghijklmnopqrstuvwxyz_.\n";

    /**
     * 2000 disassembled random programs with one to three characters inserted or deleted; a text
     * that breaks the contract is reduced (lines, then characters dropped) before it is reported.
     */
    @Test
    void mutatedTextNeverCrashesTheAssembler() {
        SeededCheck.forAll("assembler on damaged text", 2000, AssemblerRobustnessTest::damagedListing, Reducer.text(),
            text -> "<<<\n" + text + "\n>>>", AssemblerRobustnessTest::assemblesOrFailsAtARealPosition);
    }

    static String damagedListing(long seed) {
        Random r = new Random(seed);
        BpfProgram p = new BpfProgram("p", "syscall", ValidInsns.program(seed, 8), List.of());
        StringBuilder text = new StringBuilder(String.join("\n", Disassembler.program(p)));
        for (int edits = 1 + r.nextInt(3); edits > 0; edits--) {
            int at = r.nextInt(text.length() + 1);
            if (r.nextBoolean() && at < text.length()) text.deleteCharAt(at);
            else text.insert(at, NOISE.charAt(r.nextInt(NOISE.length())));
        }
        return text.toString();
    }

    /** The contract the fuzz target (AssemblerFuzzTest) checks too: a result, or an AsmException at a line and column of the input. */
    static void assemblesOrFailsAtARealPosition(String source) {
        try {
            Assembler.assemble("p", "syscall", source);
        } catch (AsmException e) {
            String[] lines = source.split("\n", -1);
            assertTrue(e.at().line() >= 1 && e.at().line() <= lines.length, e.getMessage());
            assertTrue(e.at().column() >= 1 && e.at().column() <= lines[e.at().line() - 1].length() + 1, e.getMessage());
        }
    }
}
