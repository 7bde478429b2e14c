package dev.arenaemu.kernel.bpf.asm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.arenaemu.kernel.bpf.isa.BpfProgram;
import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing of the BPF assembler (docs/fuzzing.md). Contract: any text assembles,
 * or fails with an {@link AsmException} at a line and column of the text, never another
 * throwable; what assembled prints back (Disassembler) as text that assembles to the same
 * instructions and relocations.
 */
class AssemblerFuzzTest {
    @FuzzTest(maxDuration = "2m")
    void anyText(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        BpfProgram p;
        try {
            p = Assembler.assemble("p", "syscall", text);
        } catch (AsmException e) {
            AssemblerRobustnessTest.assemblesOrFailsAtARealPosition(text);   // checks the position
            return;
        }
        String listing = String.join("\n", Disassembler.program(p));
        BpfProgram again = Assembler.assemble("p", "syscall", listing);
        assertEquals(p.insns(), again.insns(), () -> "input:\n" + text + "\nlisting:\n" + listing);
        assertEquals(p.relocations(), again.relocations(), () -> "input:\n" + text + "\nlisting:\n" + listing);
    }
}
