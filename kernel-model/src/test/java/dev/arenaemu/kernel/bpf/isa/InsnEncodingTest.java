package dev.arenaemu.kernel.bpf.isa;

import static dev.arenaemu.kernel.bpf.isa.Bpf.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.arenaemu.kernel.testing.SeededCheck;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 9669 §3 slot encoding and the opcode field helpers. */
class InsnEncodingTest {

    /** 2000 random instructions (one case each: a single instruction has nothing to reduce). */
    @Test
    void everyValidSlotSurvivesEncodeDecode() {
        SeededCheck.forAll("encode/decode round trip", 2000, ValidInsns::random, SeededCheck.Reducer.none(), List::toString, insns -> {
            for (Insn insn : insns) assertEquals(insn, Insn.decode(insn.encode()));
            assertTrue(InsnValidity.isValid(insns, 0), () -> insns + " rejected: " + InsnValidity.problem(insns, 0, false));
        });
    }

    @Test
    void addrSpaceCastEncodesAsLlvmEmitsIt() {
        // llvm-objdump: "bf 02 01 00 01 00 00 00  r2 = addr_space_cast(r0, 0x0, 0x1)"
        Insn cast = Insn.decode(0x0000_0001_0001_02BFL);
        assertEquals(new Insn(ALU64 | MOV | X, 2, 0, ADDR_SPACE_CAST, CAST_KERN), cast);
        assertTrue(cast.isAddrSpaceCast());
    }

    @Test
    void ldImm64SplitsTheConstantOverTwoSlots() {
        List<Insn> pair = Insn.ldImm64(1, 0, 0x1000_0000_0060L);
        assertEquals(0x60, pair.get(0).imm());
        assertEquals(0x1000, pair.get(1).imm());
        assertEquals(0x1000_0000_0060L, Insn.imm64(pair.get(0), pair.get(1)));
    }

    @Test
    void opcodeFieldsDecompose() {
        int opcode = STX | ATOMIC | DW;
        assertEquals(STX, Bpf.cls(opcode));
        assertEquals(DW, Bpf.size(opcode));
        assertEquals(ATOMIC, Bpf.mode(opcode));
        assertEquals(8, Bpf.sizeBytes(Bpf.size(opcode)));
        assertEquals(X, Bpf.source(JMP | JEQ | X));
        assertEquals(JEQ, Bpf.op(JMP | JEQ | X));
    }

    @Test
    void reservedFieldsAreRejectedWithKernelWording() {
        assertEquals("BPF_MOV uses reserved fields", InsnValidity.problem(List.of(new Insn(ALU64 | MOV | X, 1, 2, 4, 0)), 0, false).orElseThrow());
        assertEquals("unknown opcode 8e", InsnValidity.problem(List.of(new Insn(0x8E, 0, 0, 0, 0)), 0, false).orElseThrow());
        assertEquals("invalid bpf_ld_imm64 insn", InsnValidity.problem(List.of(new Insn(LD | IMM | DW, 1, 0, 0, 0)), 0, false).orElseThrow());
    }

    @Test
    void kernelInternalModesAreOnlyValidWhenAllowed() {
        List<Insn> probe = List.of(new Insn(LDX | PROBE_MEM32 | DW, 2, 1, 8, 0));
        assertFalse(InsnValidity.isValid(probe, 0));
        assertTrue(InsnValidity.problem(probe, 0, true).isEmpty());
    }
}
