package dev.arenaemu.scenarios.oracle;

import dev.arenaemu.kernel.bpf.asm.Assembler;
import dev.arenaemu.kernel.bpf.elf.MapDefinition;
import dev.arenaemu.kernel.bpf.isa.BpfProgram;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The runner's object blocks (runner.c object_map / object_prog read them). */
class JitOpEncoderTest {
    @Test
    void mapsAndProgramsWithTheirRelocations() {
        BpfProgram p = Assembler.assemble("p", "syscall", String.join("\n",
            "r1 = map[arena] ll", "r2 = 0", "w3 = 1", "w4 = -1", "r5 = 0", "call bpf_arena_alloc_pages",
            "r1 = map_value[.rodata + 0x4] ll", "r0 = *(u32 *)(r1 + 0)", "exit"));
        JitMap arena = JitMap.arena("arena", 10, 1 << 10, 1L << 44);
        JitMap rodata = new JitMap(".rodata", MapDefinition.BPF_MAP_TYPE_ARRAY, 4, 8, 1, MapDefinition.BPF_F_RDONLY_PROG,
            0, new byte[] {1, 2, 0, 0, 5}, true, 0, new byte[0]);
        String text = JitOpEncoder.encode(new JitObject("x.bpf.c", List.of(arena, rodata), List.of(p)), 3);
        List<String> lines = text.lines().toList();
        assertEquals("O 3 0 0x0 " + JitOpEncoder.OBJECT_TIMEOUT_MS, lines.get(0));
        assertEquals("G 0 33 0 0 10 0x400 0x100000000000 - 0 0 -", lines.get(1));
        assertEquals("G 1 2 4 8 1 0x100 0x0 0102000005 1 0 -", lines.get(2));
        String[] j = lines.get(3).split(" ");
        assertEquals(List.of("J", "0", "31", "16"), List.of(j).subList(0, 4));
        // ld_imm64 r1 (src 1 = BPF_PSEUDO_MAP_FD), little-endian slots
        assertTrue(j[4].startsWith("1811000000000000" + "0000000000000000"), j[4]);
        assertEquals(p.insns().size() * 16, j[4].length());
        assertEquals("m:0:0;v:7:1;k:6:bpf_arena_alloc_pages", j[5]);
        assertEquals(4, lines.size());
    }

    @Test
    void aSocketFilterIsNotSleepable() {
        BpfProgram p = Assembler.assemble("s", "socket", "r0 = 0\nexit");
        String j = JitOpEncoder.encode(new JitObject("a.json", List.of(), List.of(p)), 0).lines().toList().get(1);
        assertEquals("J 0 1 0 b700000000000000" + "9500000000000000 -", j);
    }
}
