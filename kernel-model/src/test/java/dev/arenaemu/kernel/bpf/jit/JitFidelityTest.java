package dev.arenaemu.kernel.bpf.jit;

import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.bpf.isa.Bpf;
import dev.arenaemu.kernel.bpf.isa.Insn;
import dev.arenaemu.kernel.bpf.verifier.MiscFixups;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Where the image differs between kernels and machines: each function's frame (emit_prologue),
 * register shifts (do_jit with and without BMI2), the xchg lock prefix (KernelEra), and the
 * verifier's inserted guards (do_misc_fixups) that the JIT then compiles like any instruction.
 */
class JitFidelityTest {
    private static final JitOptions BASE = JitOptions.PLAIN.withProfile(JitProfile.BASELINE);
    private static final String PROLOGUE = "0f1f440000" + "0f1f00" + "55" + "4889e5";

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private static String code(B b, JitOptions o) {
        return hex(BpfJit.compile(b.build(), o).code());
    }

    // ---- frames ------------------------------------------------------------------------------

    /** emit_prologue: "if (stack_depth) sub rsp, round_up(stack_depth, 8)" in its imm32 form. */
    @Test
    void eachFunctionReservesItsOwnDepthRoundedTo8AndNothingFor0() {
        B prog = B.prog().callLocal(1).exit().mov64(0, 7).exit();
        JitImage image = BpfJit.compile(prog.build(), BASE.verified(List.of(0, 12)));
        String code = hex(image.code());
        int sub = image.functionOffsets()[1] * 2;
        assertTrue(code.startsWith(PROLOGUE + "e8"), "depth 0: no sub rsp: " + code);
        assertTrue(code.substring(sub).startsWith(PROLOGUE + "4881ec10000000"), "depth 12 -> 0x10: " + code.substring(sub));
        // each function's own code, padding excluded: call, leave, ret / mov eax,7, leave, ret
        assertEquals(PROLOGUE + "e800000000" + "c9c3", hex(image.functionCode(0)));
        assertEquals(PROLOGUE + "4881ec10000000" + "b807000000" + "c9c3", hex(image.functionCode(1)));
        for (int[] c : new int[][] {{1, 8}, {8, 8}, {9, 16}, {24, 24}, {500, 504}, {512, 512}}) {
            String one = code(B.prog().mov64(0, 0).exit(), BASE.verified(List.of(c[0])));
            assertEquals(PROLOGUE + "4881ec" + hex(new byte[] {(byte) c[1], (byte) (c[1] >> 8), 0, 0}) + "31c0c9c3", one, "depth " + c[0]);
        }
    }

    // ---- shifts ------------------------------------------------------------------------------

    /** emit_shiftx: VEX.0F38 F7 /r, pp 66/F2/F3 for shlx/shrx/sarx, W for ALU64, vvvv = count. */
    @Test
    void bmi2ShiftsAreShiftxUnlessTheCountIsInRcx() {
        JitOptions bmi2 = BASE.withProfile(JitProfile.BASELINE.withBmi2(true));
        String c = code(B.prog().alu64(Bpf.LSH, 1, 2).exit(), bmi2);
        assertTrue(c.contains("c4e2c9f7ff"), c);      // shlx rdi, rdi, rsi
        c = code(B.prog().alu32(Bpf.RSH, 7, 2).exit(), bmi2);
        assertTrue(c.contains("c4424bf7ed"), c);      // shrx r13d, r13d, esi
        c = code(B.prog().alu64(Bpf.ARSH, 0, 5).exit(), bmi2);
        assertTrue(c.contains("c4e2baf7c0"), c);     // sarx rax, rax, r8 (vvvv = ~8)     // sarx rax, rax, r8
        // count already in rcx (BPF R4): shl rdi, cl, nothing saved
        assertTrue(code(B.prog().alu64(Bpf.LSH, 1, 4).exit(), bmi2).startsWith(PROLOGUE + "4881ec00020000" + "48d3e7"));
    }

    /** The non-BMI2 path saves rcx only when the count is elsewhere, and goes through r11 when rcx is the destination. */
    @Test
    void clShiftsSaveRcxOnlyWhenTheCountIsElsewhere() {
        String after = PROLOGUE + "4881ec00020000";
        String c = code(B.prog().alu64(Bpf.LSH, 1, 2).exit(), BASE);
        assertTrue(c.startsWith(after + "51" + "4889f1" + "48d3e7" + "59"), c);
        assertTrue(code(B.prog().alu64(Bpf.LSH, 1, 4).exit(), BASE).startsWith(after + "48d3e7" + "c9c3"));
        assertTrue(code(B.prog().alu64(Bpf.RSH, 4, 4).exit(), BASE).startsWith(after + "48d3e9" + "c9c3"));
        // dst rcx, count rsi: mov r11, rcx; mov rcx, rsi; sar r11, cl; mov rcx, r11
        assertTrue(code(B.prog().alu64(Bpf.ARSH, 4, 2).exit(), BASE).startsWith(after + "4989cb" + "4889f1" + "49d3fb" + "4c89d9"));
    }

    // ---- atomics per era -----------------------------------------------------------------------

    /** "x86/bpf: Avoid emitting LOCK prefix for XCHG atomic ops" (v7.0): xchg loses its lock, others keep it. */
    @Test
    void xchgLockPrefixDependsOnTheEra() {
        JitOptions arena = JitOptions.arena(ArenaFixture.KERN_VM_START, ArenaFixture.USER_VM_START).withProfile(JitProfile.BASELINE);
        B xchg = B.prog().arenaAtomic(Bpf.DW, 1, 2, 0, Bpf.XCHG).atomic(Bpf.W, 10, 2, -8, Bpf.XCHG).exit();
        String old = code(xchg, arena.withEra(KernelEra.V6_13));
        assertTrue(old.contains("f04a87742700") && old.contains("f08775f8"), old);
        for (KernelEra era : List.of(KernelEra.V7_0, KernelEra.LATEST)) {
            String now = code(xchg, arena.withEra(era));
            assertTrue(now.contains("4a87742700") && !now.contains("f04a8774") && now.contains("8775f8") && !now.contains("f08775f8"), now);
            assertTrue(code(B.prog().arenaAtomic(Bpf.DW, 1, 2, 0, Bpf.CMPXCHG).exit(), arena.withEra(era)).contains("f04a0fb1742700"));
        }
        assertTrue(KernelEra.V6_13.xchgHasLockPrefix());
        assertFalse(KernelEra.V7_0.xchgHasLockPrefix());
    }

    // ---- jump forms per era ----------------------------------------------------------------------

    /** {@code if r1 == 0 goto exit} over {@code movs} movs (5 bytes each) and {@code adds} adds (4 bytes each). */
    private static B forwardJump(int movs, int adds) {
        B b = B.prog().jmpi(Bpf.JEQ, 1, 0, movs + adds);
        for (int k = 0; k < movs; k++) b.mov64(0, 7);
        for (int k = 0; k < adds; k++) b.alu64i(Bpf.ADD, 0, 1);
        return b.exit();
    }

    /**
     * do_jit's is_imm8_jmp_offset ("bpf, x64: Fix a jit convergence issue", 6.12): a forward jump
     * gets rel8 up to 123 bytes only; before, is_imm8 gave it rel8 up to 127. The 6.12.117, 7.0.13
     * and 7.3.4 kernels emit "0f 85 7d 00 00 00" (jne +125) where 6.9's rule gives "75 7d".
     */
    @Test
    void forwardJumpsGetRel8UpTo123BytesFromEraV610() {
        JitOptions o = BASE.verified(List.of(0));
        String jeq123 = "4885ff" + "747b", jeq124short = "4885ff" + "747c", jeq124near = "4885ff" + "0f847c000000";
        for (KernelEra era : KernelEra.values()) {
            assertTrue(code(forwardJump(23, 2), o.withEra(era)).contains(jeq123), era + ": 123 bytes is rel8 in every era");
            String c124 = code(forwardJump(24, 1), o.withEra(era));
            if (era == KernelEra.V6_9) assertTrue(c124.contains(jeq124short), era + ": " + c124);
            else assertTrue(c124.contains(jeq124near) && !c124.contains(jeq124short), era + ": " + c124);
        }
        assertEquals(127, KernelEra.V6_9.shortJumpMaxForward());
        assertEquals(123, KernelEra.V6_10.shortJumpMaxForward());
        assertEquals(123, KernelEra.LATEST.shortJumpMaxForward());
        // backward jumps keep the full rel8 range: ja -1 is "eb fe" everywhere
        assertTrue(code(B.prog().ja(-1).exit(), o.withEra(KernelEra.LATEST)).contains("ebfe"));
    }

    // ---- verifier fix-ups as BPF ------------------------------------------------------------------

    private static final int AX = MiscFixups.AX;

    private static Insn i(int op, int dst, int src, int off, int imm) {
        return new Insn(op, dst, src, off, imm);
    }

    /** do_misc_fixups' chk_and_div / chk_and_mod / chk_and_sdiv / chk_and_smod, as the kernel builds them. */
    @Test
    void divisionByRegisterGetsTheKernelPatchlets() {
        Insn div64 = i(Bpf.ALU64 | Bpf.DIV | Bpf.X, 1, 2, 0, 0);
        assertEquals(List.of(i(Bpf.JMP | Bpf.JNE | Bpf.K, 2, 0, 2, 0), i(Bpf.ALU | Bpf.XOR | Bpf.X, 1, 1, 0, 0),
            i(Bpf.JMP | Bpf.JA, 0, 0, 1, 0), div64, i(Bpf.JMP | Bpf.EXIT, 0, 0, 0, 0)), fix(div64));
        Insn mod64 = i(Bpf.ALU64 | Bpf.MOD | Bpf.X, 1, 2, 0, 0);
        assertEquals(List.of(i(Bpf.JMP | Bpf.JEQ | Bpf.K, 2, 0, 1, 0), mod64, i(Bpf.JMP | Bpf.EXIT, 0, 0, 0, 0)), fix(mod64));
        Insn mod32 = i(Bpf.ALU | Bpf.MOD | Bpf.X, 1, 2, 0, 0);
        assertEquals(List.of(i(Bpf.JMP32 | Bpf.JEQ | Bpf.K, 2, 0, 2, 0), mod32, i(Bpf.JMP | Bpf.JA, 0, 0, 1, 0),
            i(Bpf.ALU | Bpf.MOV | Bpf.X, 1, 1, 0, 0), i(Bpf.JMP | Bpf.EXIT, 0, 0, 0, 0)), fix(mod32));
        Insn sdiv32 = i(Bpf.ALU | Bpf.DIV | Bpf.X, 1, 2, 1, 0);
        assertEquals(List.of(i(Bpf.ALU64 | Bpf.MOV | Bpf.X, AX, 2, 0, 0), i(Bpf.ALU | Bpf.ADD | Bpf.K, AX, 0, 0, 1),
            i(Bpf.JMP32 | Bpf.JGT | Bpf.K, AX, 0, 4, 1), i(Bpf.JMP32 | Bpf.JEQ | Bpf.K, AX, 0, 1, 0),
            i(Bpf.ALU | Bpf.MOV | Bpf.K, 1, 0, 0, 0), i(Bpf.ALU | Bpf.NEG | Bpf.K, 1, 0, 0, 0), i(Bpf.JMP | Bpf.JA, 0, 0, 1, 0),
            sdiv32, i(Bpf.JMP | Bpf.EXIT, 0, 0, 0, 0)), fix(sdiv32));
        Insn smod64 = i(Bpf.ALU64 | Bpf.MOD | Bpf.X, 1, 2, 1, 0);
        assertEquals(List.of(i(Bpf.ALU64 | Bpf.MOV | Bpf.X, AX, 2, 0, 0), i(Bpf.ALU64 | Bpf.ADD | Bpf.K, AX, 0, 0, 1),
            i(Bpf.JMP | Bpf.JGT | Bpf.K, AX, 0, 3, 1), i(Bpf.JMP | Bpf.JEQ | Bpf.K, AX, 0, 3, 1),
            i(Bpf.ALU | Bpf.MOV | Bpf.K, 1, 0, 0, 0), i(Bpf.JMP | Bpf.JA, 0, 0, 1, 0), smod64, i(Bpf.JMP | Bpf.EXIT, 0, 0, 0, 0)), fix(smod64));
        Insn smod32 = i(Bpf.ALU | Bpf.MOD | Bpf.X, 1, 2, 1, 0);
        List<Insn> s = fix(smod32);
        assertEquals(10, s.size());
        assertEquals(i(Bpf.JMP32 | Bpf.JEQ | Bpf.K, AX, 0, 4, 1), s.get(3));
        assertEquals(i(Bpf.ALU | Bpf.MOV | Bpf.X, 1, 1, 0, 0), s.get(8));
    }

    /** Signed / -1 and % -1 by immediate: a neg, a w_dst = 0 (the kernel's one-instruction patches). */
    @Test
    void signedImmediateMinusOneBecomesNegOrZero() {
        assertEquals(i(Bpf.ALU64 | Bpf.NEG | Bpf.K, 3, 0, 0, 0), fix(i(Bpf.ALU64 | Bpf.DIV | Bpf.K, 3, 0, 1, -1)).getFirst());
        assertEquals(i(Bpf.ALU | Bpf.MOV | Bpf.K, 3, 0, 0, 0), fix(i(Bpf.ALU | Bpf.MOD | Bpf.K, 3, 0, 1, -1)).getFirst());
        Insn udiv = i(Bpf.ALU64 | Bpf.DIV | Bpf.K, 3, 0, 0, -1);
        assertEquals(udiv, fix(udiv).getFirst());   // unsigned: untouched
    }

    /** opt_subreg_zext_lo32_rnd_hi32: w0 = w0 (imm 1) after a 32-bit BPF_ATOMIC cmpxchg, none after the arena form. */
    @Test
    void zextAfterA32BitCmpxchgButNotAfterTheArenaOne() {
        Insn cas = i(Bpf.STX | Bpf.ATOMIC | Bpf.W, 10, 2, -8, Bpf.CMPXCHG);
        assertEquals(List.of(cas, i(Bpf.ALU | Bpf.MOV | Bpf.X, 0, 0, 0, 1), i(Bpf.JMP | Bpf.EXIT, 0, 0, 0, 0)), fix(cas));
        Insn arenaCas = i(Bpf.STX | Bpf.PROBE_ATOMIC | Bpf.W, 1, 2, 0, Bpf.CMPXCHG);
        assertEquals(2, fix(arenaCas).size());
        assertEquals(2, fix(i(Bpf.STX | Bpf.ATOMIC | Bpf.DW, 10, 2, -8, Bpf.CMPXCHG)).size());
    }

    /** bpf_adj_branches: jumps over a patch grow by its length, jumps to the patched insn land on its first instruction. */
    @Test
    void jumpsAndCallsAreRetargetedAroundPatches() {
        List<Insn> prog = List.of(
            i(Bpf.JMP | Bpf.JEQ | Bpf.K, 1, 0, 1, 0),              // 0: -> 2 (the div)
            i(Bpf.JMP | Bpf.JA, 0, 0, 2, 0),                        // 1: -> 4 (past it)
            i(Bpf.ALU64 | Bpf.DIV | Bpf.X, 1, 2, 0, 0),             // 2: patched to 4 insns
            i(Bpf.JMP | Bpf.JA, 0, 0, -2, 0),                       // 3: -> 2 (back to the div)
            i(Bpf.JMP | Bpf.CALL, 0, Bpf.PSEUDO_CALL, 0, 1),       // 4: -> 6
            i(Bpf.JMP | Bpf.EXIT, 0, 0, 0, 0),
            i(Bpf.JMP | Bpf.EXIT, 0, 0, 0, 0));
        MiscFixups.Result r = MiscFixups.apply(prog);
        List<Insn> out = r.insns();
        assertEquals(10, out.size());
        assertEquals(1, out.get(0).off());       // still the first patch insn (new index 2)
        assertEquals(5, out.get(1).off());       // 1 + 1 + 5 = 7 = old 4
        assertEquals(-5, out.get(6).off());      // 6 + 1 - 5 = 2 = start of the patch
        assertEquals(1, out.get(7).imm());       // the call: still the next-but-one
        assertArrayEquals(new int[] {0, 1, 2, 6, 7, 8, 9}, r.newIndex());
    }

    /**
     * opt_subreg_zext_lo32_rnd_hi32 / is_cmpxchg_insn on a 32-bit arena cmpxchg (PROBE_ATOMIC):
     * 6.12.117 and 7.3.4 append BPF_ZEXT_REG(r0), 7.0.13 does not (KernelEra.zextsArenaCmpxchg,
     * seen with oracle --jit on corpus 13-jit-arena-cmpxchg32).
     */
    @Test
    void arenaCmpxchg32GetsItsZeroExtensionPerEra() {
        Insn arenaCmpxchg = i(Bpf.STX | Bpf.PROBE_ATOMIC | Bpf.W, 1, 2, 0, Bpf.CMPXCHG);
        List<Insn> prog = List.of(arenaCmpxchg, i(Bpf.JMP | Bpf.EXIT, 0, 0, 0, 0));
        Insn zext = i(Bpf.ALU | Bpf.MOV | Bpf.X, 0, 0, 0, 1);
        for (KernelEra era : KernelEra.values()) {
            List<Insn> out = MiscFixups.apply(prog, true, era.zextsArenaCmpxchg()).insns();
            boolean expected = era.base() != KernelEra.V7_0;
            assertEquals(expected ? List.of(arenaCmpxchg, zext, prog.get(1)) : prog, out, era.toString());
        }
        // a raw program (no verifier) keeps its arena cmpxchg as it is
        assertEquals(prog, MiscFixups.apply(prog).insns());
    }

    private static List<Insn> fix(Insn in) {
        return MiscFixups.apply(List.of(in, i(Bpf.JMP | Bpf.EXIT, 0, 0, 0, 0))).insns();
    }

    /** The JIT compiles the guards as ordinary BPF: a 64-bit div by register is jne / xor / jmp / the div sequence. */
    @Test
    void guardedDivisionIsJitedFromTheInsertedInstructions() {
        String code = code(B.prog().alu64(Bpf.DIV, 1, 2).mov64(0, 0).exit(), BASE);
        // test rsi,rsi; jne +4; xor edi,edi; jmp +N; push rax; push rdx; mov rax,rdi; xor edx,edx; div rsi; mov rdi,rax; pop rdx; pop rax
        assertTrue(code.contains("4885f6" + "7504" + "31ff" + "eb0f" + "50" + "52" + "4889f8" + "31d2" + "48f7f6" + "4889c7" + "5a" + "58"), code);
        // xlated input is taken as is: no guard
        String bare = code(B.prog().alu64(Bpf.DIV, 1, 2).mov64(0, 0).exit(), BASE.verified(List.of(0)));
        assertTrue(bare.startsWith(PROLOGUE + "50" + "52" + "4889f8" + "31d2" + "48f7f6"), bare);
    }
}
