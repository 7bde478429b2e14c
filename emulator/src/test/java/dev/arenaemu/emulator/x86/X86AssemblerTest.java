package dev.arenaemu.emulator.x86;

import dev.arenaemu.emulator.x86.X86Assembler.Alu;
import dev.arenaemu.emulator.x86.X86Assembler.Cond;
import dev.arenaemu.emulator.x86.X86Assembler.Label;
import dev.arenaemu.emulator.x86.X86Assembler.Mem;
import dev.arenaemu.emulator.x86.X86Assembler.Shift;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.function.Consumer;

import static dev.arenaemu.emulator.x86.X86Assembler.*;
import static org.junit.jupiter.api.Assertions.*;

/** Encodings checked against the Intel SDM forms (and llvm-mc -show-encoding for the same text). */
class X86AssemblerTest {
    private static String enc(Consumer<X86Assembler> body) {
        X86Assembler a = new X86Assembler();
        body.accept(a);
        return HexFormat.of().formatHex(a.toByteArray());
    }

    @Test
    void registerMovesUseRexOnlyWhenNeeded() {
        assertEquals("4889e5", enc(a -> a.mov(true, RBP, RSP)));         // mov rbp, rsp
        assertEquals("89c0", enc(a -> a.mov(false, RAX, RAX)));          // mov eax, eax
        assertEquals("4d89da", enc(a -> a.mov(true, R10, R11)));         // mov r10, r11
    }

    @Test
    void immediateMovesPickTheShortestForm() {
        assertEquals("31c0", enc(a -> a.movImm(RAX, 0)));                 // xor eax, eax
        assertEquals("41bc00000080", enc(a -> a.movImm(R12, 0x8000_0000L)));
        assertEquals("49c7c4ffffffff", enc(a -> a.movImm(R12, -1)));
        assertEquals("49bc0080000000c9ffff", enc(a -> a.movImm(R12, 0xFFFF_C900_0000_8000L)));
    }

    @Test
    void memoryOperandsCoverSibRspBaseAndR13Base() {
        assertEquals("4a8b742708", enc(a -> a.opMem(false, true, false, RSI, Mem.indexed(RDI, R12, 8), true, 0x8B)));
        assertEquals("488b442410", enc(a -> a.load(8, RAX, Mem.of(RSP, 16))));     // mov rax, [rsp+16]
        assertEquals("498b4500", enc(a -> a.load(8, RAX, Mem.of(R13, 0))));        // mov rax, [r13+0]
        assertEquals("488b8500feffff", enc(a -> a.load(8, RAX, Mem.of(RBP, -512)))); // disp32
    }

    @Test
    void byteStoresFromSilAndDilCarryARex() {
        assertEquals("40887701", enc(a -> a.store(1, Mem.of(RDI, 1), RSI)));      // mov [rdi+1], sil
        assertEquals("884701", enc(a -> a.store(1, Mem.of(RDI, 1), RAX)));        // mov [rdi+1], al
        assertEquals("66894702", enc(a -> a.store(2, Mem.of(RDI, 2), RAX)));      // mov [rdi+2], ax
    }

    @Test
    void aluImmediateUsesImm8OrTheRaxShortForm() {
        assertEquals("4883c001", enc(a -> a.aluImm(Alu.ADD, true, RAX, 1)));
        assertEquals("480500010000", enc(a -> a.aluImm(Alu.ADD, true, RAX, 256)));
        assertEquals("4881c700010000", enc(a -> a.aluImm(Alu.ADD, true, RDI, 256)));
    }

    @Test
    void shiftsRotatesAndSwaps() {
        assertEquals("48c1e720", enc(a -> a.shiftImm(Shift.SHL, true, RDI, 32)));
        assertEquals("d1e8", enc(a -> a.shiftImm(Shift.SHR, false, RAX, 1)));
        assertEquals("49d3fb", enc(a -> a.shiftCl(Shift.SAR, true, R11)));
        assertEquals("6641c1c908", enc(a -> a.ror16(R9, 8)));
        assertEquals("490fcf", enc(a -> a.bswap(true, R15)));
    }

    @Test
    void labelsPatchShortAndNearJumps() {
        X86Assembler a = new X86Assembler();
        Label fwd = a.newLabel();
        a.jccShort(Cond.NE, fwd);
        a.nops(3);
        a.bind(fwd);
        Label back = a.newLabel();
        a.bind(back);
        a.jmp(back);
        assertEquals("75030f1f00" + "e9fbffffff", HexFormat.of().formatHex(a.toByteArray()));
    }

    @Test
    void controlRegisterMovesForTheTlbFlushTrampoline() {
        assertEquals("410f20db410f22db", enc(a -> a.movFromCr(R11, 3).movToCr(3, R11)));
    }

    @Test
    void shortJumpOutOfRangeIsRejected() {
        X86Assembler a = new X86Assembler();
        Label far = a.newLabel();
        a.jmpShort(far);
        a.nops(200);
        assertThrows(IllegalStateException.class, () -> a.bind(far));
    }
}
