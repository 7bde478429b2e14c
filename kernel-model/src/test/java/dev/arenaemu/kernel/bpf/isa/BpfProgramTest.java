package dev.arenaemu.kernel.bpf.isa;

import static org.junit.jupiter.api.Assertions.*;

import dev.arenaemu.kernel.bpf.asm.Assembler;
import java.util.List;
import org.junit.jupiter.api.Test;

/** libbpf's relocation of __arena globals by arena_data_off (docs/semantics.md#libbpf, scenario 63). */
class BpfProgramTest {

    @Test
    void scenario63_arenaGlobalReferencesMoveByArenaDataOffset() {
        BpfProgram p = Assembler.assemble("p", "syscall", "r1 = arena_global[0x10] ll\nr0 = 0\nexit");
        BpfProgram moved = p.withArenaDataOffset(99 * 4096);
        assertEquals(List.of(new Reloc.MapValue(0, "arena", 99 * 4096 + 0x10)), moved.relocations());
        assertEquals(99 * 4096 + 0x10, moved.insns().get(1).imm());
    }

    @Test
    void scenario62_offsetZeroKeepsTheSymbolOffset() {
        BpfProgram p = Assembler.assemble("p", "syscall", "r1 = arena_global[0x10] ll\nr0 = 0\nexit");
        assertEquals(0x10, p.withArenaDataOffset(0).insns().get(1).imm());
    }
}
