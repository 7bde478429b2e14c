package dev.arenaemu.kernel.bpf.asm;

import static org.junit.jupiter.api.Assertions.*;

import dev.arenaemu.kernel.bpf.BpfTestPrograms;
import dev.arenaemu.kernel.bpf.isa.Insn;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Disassembles the raw bytes llvm-objdump-19 shows for clang-compiled objects and compares the
 * text instruction by instruction. Calls are left out: before relocation every call is
 * "call -0x1" with src = 1, which this disassembler prints as "call pc-0x1".
 */
class LlvmObjdumpComparisonTest {
    private static final Pattern LINE = Pattern.compile("^\\s*\\d+:\\t([0-9a-f ]+)\\t(.*)$");

    @ParameterizedTest
    @ValueSource(strings = {"isa_coverage.bpf.c", "arena_atomics.bpf.c", "arena_list.bpf.c", "arena_htab.bpf.c", "arena_fixups.bpf.c", "verifier_arena.bpf.c", "verifier_arena_large.bpf.c"})
    void disassemblerAgreesWithLlvmObjdump(String source) {
        Path obj = BpfTestPrograms.compile(source);
        String dump = BpfTestPrograms.run(List.of("llvm-objdump-19", "-d", "--mcpu=v4", obj.toString()));
        int compared = 0;
        List<String> mismatches = new ArrayList<>();
        for (String line : dump.split("\n")) {
            Matcher m = LINE.matcher(line);
            if (!m.matches()) continue;
            String[] bytes = m.group(1).trim().split(" ");
            List<Insn> slots = new ArrayList<>();
            for (int i = 0; i < bytes.length; i += 8) {
                long raw = 0;
                for (int b = 7; b >= 0; b--) raw = raw << 8 | Integer.parseInt(bytes[i + b], 16);
                slots.add(Insn.decode(raw));
            }
            String expected = m.group(2).replaceAll(" <[^<> ]*>$", "");
            if (expected.startsWith("call")) continue;
            String actual = Disassembler.insn(slots, 0);
            if (!expected.equals(actual)) mismatches.add(expected + "  vs  " + actual);
            compared++;
        }
        assertTrue(compared > 20, "too few instructions compared: " + compared);
        assertEquals(List.of(), mismatches);
    }
}
