package dev.arenaemu.kernel.bpf.asm;

import static dev.arenaemu.kernel.bpf.isa.Bpf.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.arenaemu.kernel.bpf.isa.BpfProgram;
import dev.arenaemu.kernel.bpf.isa.Insn;
import dev.arenaemu.kernel.bpf.isa.Kfunc;
import dev.arenaemu.kernel.bpf.isa.Reloc;
import dev.arenaemu.kernel.bpf.isa.ValidInsns;
import dev.arenaemu.kernel.testing.SeededCheck;
import dev.arenaemu.kernel.testing.SeededCheck.Reducer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The text syntax of arena programs (docs/semantics.md#jit, #the-cast-instruction) and its round
 * trip through the disassembler.
 */
class AssemblerTest {

    private static Insn one(String line) {
        List<Insn> insns = Assembler.insns(line);
        assertEquals(1, insns.size(), line);
        return insns.get(0);
    }

    @Test
    void arenaCastCarriesAddressSpacesInImm() {
        assertEquals(new Insn(ALU64 | MOV | X, 1, 2, ADDR_SPACE_CAST, CAST_KERN), one("r1 = addr_space_cast(r2, 0x0, 0x1)"));
        assertEquals(new Insn(ALU64 | MOV | X, 1, 1, ADDR_SPACE_CAST, CAST_USER), one("r1 = addr_space_cast(r1, 1, 0)"));
    }

    @Test
    void loadsAndStoresUseBaseAndSignedOffset() {
        assertEquals(new Insn(STX | MEM | DW, 1, 2, 8, 0), one("*(u64 *)(r1 + 8) = r2"));
        assertEquals(new Insn(LDX | MEM | W, 2, 1, -4, 0), one("r2 = *(u32 *)(r1 - 4)"));
        assertEquals(new Insn(ST | MEM | B, 1, 0, -1, 7), one("*(u8 *)(r1 - 1) = 7"));
        assertEquals(new Insn(LDX | MEMSX | H, 3, 4, 2, 0), one("r3 = *(s16 *)(r4 + 0x2)"));
    }

    @Test
    void atomicsSpellTheirOperation() {
        assertEquals(new Insn(STX | ATOMIC | DW, 1, 2, 0, ADD), one("lock *(u64 *)(r1 + 0) += r2"));
        assertEquals(new Insn(STX | ATOMIC | DW, 1, 0, 0, ADD | FETCH), one("r0 = atomic_fetch_add((u64 *)(r1 + 0), r0)"));
        assertEquals(new Insn(STX | ATOMIC | DW, 1, 2, 0, CMPXCHG), one("r0 = cmpxchg_64(r1 + 0, r0, r2)"));
        assertEquals(new Insn(STX | ATOMIC | W, 2, 0, 0, XCHG), one("w0 = xchg32_32(r2 + 0x0, w0)"));
        assertEquals(new Insn(STX | ATOMIC | B, 0, 1, 0, LOAD_ACQ), one("w0 = load_acquire((u8 *)(r1 + 0x0))"));
        assertEquals(new Insn(STX | ATOMIC | DW, 1, 2, 0, STORE_REL), one("store_release((u64 *)(r1 + 0x0), r2)"));
    }

    @Test
    void aluFormsCoverWidthsSignednessAndSignExtension() {
        assertEquals(new Insn(ALU | MOV | X, 1, 2, 0, 0), one("w1 = w2"));
        assertEquals(new Insn(ALU64 | DIV | X, 1, 2, 1, 0), one("r1 s/= r2"));
        assertEquals(new Insn(ALU64 | MOV | X, 1, 2, 8, 0), one("r1 = (s8)r2"));
        assertEquals(new Insn(ALU64 | END | K, 1, 0, 0, 64), one("r1 = bswap64 r1"));
        assertEquals(new Insn(ALU | END | TO_BE, 1, 0, 0, 16), one("r1 = be16 r1"));
        assertEquals(new Insn(ALU64 | NEG, 3, 0, 0, 0), one("r3 = -r3"));
        assertEquals(new Insn(ALU | ADD | K, 4, 0, 0, -1), one("w4 += -0x1"));
    }

    @Test
    void legacyPacketLoads() {
        assertEquals(new Insn(LD | ABS | B, 0, 0, 0, 0x10), one("r0 = *(u8 *)skb[0x10]"));
        assertEquals(new Insn(LD | IND | H, 0, 1, 0, -4), one("r0 = *(u16 *)skb[r1 - 4]"));
    }

    @Test
    void ldImm64TakesTwoSlots() {
        assertEquals(Insn.ldImm64(1, 0, 5), Assembler.insns("r1 = 5 ll"));
    }

    @Test
    void labelsResolveToRelativeOffsets() {
        List<Insn> insns = Assembler.insns("""
            r1 = 0
            loop:
              r1 += 1
              if r1 > 0x3 goto done
              goto loop
            done:
              exit
            """);
        assertEquals(new Insn(JMP | JGT | K, 1, 0, 1, 3), insns.get(2));
        assertEquals(new Insn(JMP | JA, 0, 0, -3, 0), insns.get(3));
    }

    @Test
    void numericJumpOffsetsAreTakenAsWritten() {
        assertEquals(new Insn(JMP | JGT | K, 1, 0, 2, 3), one("if r1 > 0x3 goto +2"));
        assertEquals(new Insn(JMP | JA, 0, 0, -1, 0), one("goto -1"));
    }

    @Test
    void callsDistinguishHelpersKfuncsAndSubprograms() {
        assertEquals(new Insn(JMP | CALL, 0, 0, 0, 1), one("call 1"));
        assertEquals(new Insn(JMP | CALL, 0, PSEUDO_KFUNC_CALL, 0, Kfunc.BPF_ARENA_ALLOC_PAGES.id), one("call bpf_arena_alloc_pages"));
        List<Insn> insns = Assembler.insns("call sub\nexit\nsub:\nr0 = 1\nexit");
        assertEquals(new Insn(JMP | CALL, 0, PSEUDO_CALL, 0, 1), insns.get(0));
    }

    @Test
    void mapReferencesBecomeRelocations() {
        BpfProgram p = Assembler.assemble("p", "syscall", "r0 = 0\nr1 = map[arena] ll\nr2 = map_value[.bss + 0x10] ll\nr3 = arena_global[0x8] ll\nexit");
        assertEquals(List.of(new Reloc.MapFd(1, "arena"), new Reloc.MapValue(3, ".bss", 0x10), new Reloc.ArenaGlobal(5, "arena", 8)),
            p.relocations());
        assertEquals(PSEUDO_MAP_FD, p.insns().get(1).src());
        assertEquals(0x10, p.insns().get(4).imm());
        assertEquals(List.of("r0 = 0x0", "r1 = map[arena] ll", "r2 = map_value[.bss + 0x10] ll", "r3 = arena_global[0x8] ll", "exit"),
            Disassembler.program(p));
    }

    @Test
    void errorsNameLineAndColumn() {
        AsmException e = assertThrows(AsmException.class, () -> Assembler.insns("r0 = 0\n  r1 = *(u33 *)(r2 + 0)\nexit"));
        assertEquals(2, e.at().line());
        assertEquals(10, e.at().column());
        assertTrue(e.getMessage().startsWith("2:10: "), e.getMessage());
    }

    @Test
    void unknownLabelIsReportedWhereItIsUsed() {
        AsmException e = assertThrows(AsmException.class, () -> Assembler.insns("r0 = 0\ngoto nowhere\nexit"));
        assertEquals("2:6: unknown label 'nowhere'", e.getMessage());
    }

    @Test
    void outOfRangeOffsetIsRejected() {
        AsmException e = assertThrows(AsmException.class, () -> Assembler.insns("r1 = *(u64 *)(r2 + 40000)"));
        assertEquals(1, e.at().line());
        assertTrue(e.reason().contains("16 bits"), e.reason());
    }

    /**
     * disasm(asm(x)) == x over 1000 random 20-instruction sequences; a failing sequence is reduced
     * to the instructions (an ld_imm64 pair counts as one) that still fail to round-trip.
     */
    @Test
    void disassemblyReassemblesToTheSameSlots() {
        SeededCheck.forAll("disassembler/assembler round trip", 1000, seed -> ValidInsns.units(seed, 20),
            Reducer.list(Reducer.none()), units -> listing(ValidInsns.flat(units)), units -> {
                List<Insn> insns = ValidInsns.flat(units);
                String text = String.join("\n", Disassembler.program(new BpfProgram("p", "syscall", insns, List.of())));
                assertEquals(insns, Assembler.insns(text), text);
            });
    }

    static String listing(List<Insn> insns) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < insns.size(); i++) sb.append(String.format("%3d: %s%n", i, insns.get(i)));
        return sb.toString();
    }
}
