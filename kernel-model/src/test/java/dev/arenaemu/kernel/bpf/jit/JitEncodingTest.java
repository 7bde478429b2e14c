package dev.arenaemu.kernel.bpf.jit;

import dev.arenaemu.emulator.x86.X86Assembler;
import dev.arenaemu.kernel.bpf.isa.Bpf;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The worked encodings of docs/semantics.md#register-mapping, #arena-loads-and-stores,
 * #arena-atomics and #addr_space_cast must appear byte-for-byte in the JIT's output.
 */
class JitEncodingTest {
    private static final JitOptions ARENA = JitOptions.arena(ArenaFixture.KERN_VM_START, ArenaFixture.USER_VM_START);

    private static String hex(byte[] code) {
        return HexFormat.of().formatHex(code);
    }

    private static JitImage jit(B b) {
        return BpfJit.compile(b.build(), ARENA);
    }

    @Test
    void spec8_2_probeMem32LoadIsSibWithR12Index() {
        JitImage image = jit(B.prog().arenaLdx(Bpf.DW, 2, 1, 8).exit());
        assertTrue(hex(image.code()).contains("4a8b742708"), hex(image.code()));
    }

    @Test
    void spec8_2_probeMem32StoreOfRegister() {
        assertTrue(hex(jit(B.prog().arenaStx(Bpf.W, 1, 2, 0).exit()).code()).contains("4289742700"));
    }

    @Test
    void spec8_2_probeMem32StoreOfImmediateWithNegativeDisp8() {
        assertTrue(hex(jit(B.prog().arenaSt(Bpf.B, 1, -1, 7).exit()).code()).contains("42c64427ff07"));
    }

    @Test
    void spec8_3_probeAtomicAddIsLockedSibForm() {
        assertTrue(hex(jit(B.prog().arenaAtomic(Bpf.DW, 1, 2, 0, Bpf.ADD).exit()).code()).contains("f04a01742700"));
    }

    @Test
    void spec8_5_castUserSequence() {
        String code = hex(jit(B.prog().castUser(1, 1).exit()).code());
        // shl rdi,32 | or rdi,0x1000 | rol rdi,32 | xor r11,r11 | test edi,edi | cmove rdi,r11
        assertTrue(code.contains("48c1e720" + "4881cf00100000" + "48c1c720" + "4d31db" + "85ff" + "490f44fb"), code);
    }

    @Test
    void spec8_1_arenaProloguePushesR12AndLoadsKernVmStartWithMovabs() {
        String code = hex(BpfJit.compile(B.prog().mov64(0, 0).exit().build(), ARENA.withProfile(JitProfile.BASELINE)).code());
        // nop5, nop3, push rbp, mov rbp,rsp, sub rsp,512, push r12, movabs r12, kern_vm_start
        String expected = "0f1f440000" + "0f1f00" + "55" + "4889e5" + "4881ec00020000" + "4154" + "49bc" + "0080000000c9ffff";
        assertTrue(code.startsWith(expected), code);
        assertTrue(code.endsWith("415cc9c3"), "epilogue pops r12, leave, ret: " + code);
    }

    /** emit_prologue with CONFIG_X86_KERNEL_IBT: endbr64 at the entry and after mov rbp,rsp; emit_return with SLS: int3 after ret. */
    @Test
    void ibtAndSlsProfileAddEndbrAndInt3() {
        String code = hex(BpfJit.compile(B.prog().mov64(0, 0).exit().build(), ARENA.withProfile(JitProfile.DEBIAN_CLOUD)).code());
        String expected = "f30f1efa" + "0f1f440000" + "0f1f00" + "55" + "4889e5" + "f30f1efa" + "4881ec00020000" + "4154";
        assertTrue(code.startsWith(expected), code);
        assertTrue(code.endsWith("415cc9c3cc"), code);
    }

    @Test
    void spec8_1_kernVmStartBelow4GiBUsesTheShortImm32Form() {
        JitImage image = BpfJit.compile(B.prog().mov64(0, 0).exit().build(), JitOptions.arena(0x8000_0000L, ArenaFixture.USER_VM_START));
        assertTrue(hex(image.code()).contains("415441bc00000080"), hex(image.code()));
    }

    @Test
    void spec8_4_oneExtableEntryPerArenaAccessWithV618Fields() {
        JitImage image = jit(B.prog().arenaLdx(Bpf.DW, 2, 1, 8).arenaStx(Bpf.W, 1, 2, -4).exit());
        assertEquals(2, image.extable().size());
        ExceptionTableEntry load = image.extable().get(0);
        assertEquals(5, load.length());
        assertEquals(X86Assembler.RSI, load.clearRegister());
        assertEquals(X86Assembler.RDI, load.pointerRegister());
        assertEquals(5 | 104 << 8 | 112 << 16 | 1 << 31, load.fixupWord());     // pt_regs: si=104, di=112
        assertEquals(ExceptionTableEntry.EX_TYPE_BPF | 8 << 16, load.dataWord());
        ExceptionTableEntry store = image.extable().get(1);
        assertFalse(store.clears());
        assertEquals(5 | 1 << 8 | 112 << 16 | 1 << 31, store.fixupWord());     // DONT_CLEAR = 1
        assertEquals(0xFFFC, store.dataWord() >>> 16);
        assertEquals("4a8b742708", hex(java.util.Arrays.copyOfRange(image.code(), load.insnOffset(), load.insnOffset() + 5)));
    }

    @Test
    void multiPassShrinksForwardJumpsToRel8() {
        JitImage image = BpfJit.compile(B.prog().mov64(0, 1).jmpi(Bpf.JEQ, 0, 1, 1).mov64(0, 2).exit().build(), JitOptions.PLAIN);
        // the 64-byte initial estimate gives rel32 in pass 1; the converged image uses "74 xx"
        int jcc = image.insnOffsets()[1] + 4;   // after cmp rax, 1 (48 83 f8 01)
        assertEquals(0x74, image.code()[jcc] & 0xFF, hex(image.code()));
    }

    @Test
    void spec8_5_castUserIntoR0UsesTheRaxShortFormOfOr() {
        String code = hex(jit(B.prog().castUser(0, 1).exit()).code());
        // mov eax, edi | shl rax,32 | or rax,0x1000 | rol rax,32 | xor r11,r11 | test eax,eax | cmove rax,r11
        assertTrue(code.contains("89f8" + "48c1e020" + "480d00100000" + "48c1c020" + "4d31db" + "85c0" + "490f44c3"), code);
    }

    @Test
    void nospecBarrierIsAnLfence() {
        String code = hex(BpfJit.compile(B.prog().raw(Bpf.ST | BpfJit.NOSPEC, 0, 0, 0, 0).mov64(0, 0).exit().build(), JitOptions.PLAIN).code());
        assertTrue(code.contains("0faee8"), code);
    }

    @Test
    void farForwardJumpStaysRel32AfterConvergence() {
        B b = B.prog().mov64(0, 1).jmpi(Bpf.JEQ, 0, 1, 40);
        for (int k = 0; k < 40; k++) b.alu64i(Bpf.ADD, 0, 100_000);   // add rax, imm32: 48 05 id, 6 bytes each
        JitImage image = BpfJit.compile(b.exit().build(), JitOptions.PLAIN);
        int jcc = image.insnOffsets()[1] + 4;
        assertEquals("0f84", hex(java.util.Arrays.copyOfRange(image.code(), jcc, jcc + 2)), hex(image.code()));
        int target = image.insnOffsets()[42];
        int rel = java.nio.ByteBuffer.wrap(image.code(), jcc + 2, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
        assertEquals(target, jcc + 6 + rel);
    }
}
