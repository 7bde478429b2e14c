package dev.arenaemu.kernel.bpf.verifier;

import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.KernelEra;

import static dev.arenaemu.kernel.bpf.isa.Bpf.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.arenaemu.kernel.bpf.asm.Assembler;
import dev.arenaemu.kernel.bpf.asm.Disassembler;
import java.util.List;
import dev.arenaemu.kernel.bpf.isa.BpfProgram;
import dev.arenaemu.kernel.bpf.isa.Insn;
import dev.arenaemu.kernel.bpf.isa.Kfunc;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Verifier checks and rewrites of docs/semantics.md#verifier on hand-written programs (catalogue
 * 22-27, 57).
 */
class VerifierTest {
    static final long USER_BASE = 1L << 44;
    static final MapDescriptor ARENA = MapDescriptor.arena("arena", 0, 0xFFFF_8880_0100_0000L, USER_BASE, USER_BASE + 100 * 4096);
    static final MapDescriptor BSS = MapDescriptor.array(".bss", 16, 0xFFFF_8880_0200_0000L, 0xFFFF_8880_0200_0100L);
    static final Map<String, MapDescriptor> MAPS = Map.of("arena", ARENA, ".bss", BSS);
    static final VerifierConfig ROOT = VerifierConfig.privileged(KernelEra.V6_13);

    static VerifiedProgram verify(String asm) {
        return verify(asm, MAPS, ROOT);
    }

    static VerifiedProgram verify(String asm, Map<String, MapDescriptor> maps, VerifierConfig config) {
        return Verifier.verify(Assembler.assemble("p", "syscall", asm), maps, config);
    }

    static VerifierException reject(String asm, Map<String, MapDescriptor> maps, VerifierConfig config) {
        return assertThrows(VerifierException.class, () -> verify(asm, maps, config));
    }

    static VerifierException reject(String asm) {
        return reject(asm, MAPS, ROOT);
    }

    private static void assertRejected(VerifierException e, Errno errno, int insn, String message) {
        assertEquals(message, e.kernelMessage());
        assertEquals(errno, e.errno());
        assertEquals(insn, e.insnIndex());
    }

    /**
     * check_reg_arg: a register field of 11..15 is "R%d is invalid" (-EINVAL), as a destination
     * and as a source. Found by VerifierFuzzTest (an ArrayIndexOutOfBoundsException before).
     */
    @Test
    void registersBeyondR10AreInvalid() {
        Insn exit = new Insn(JMP | EXIT, 0, 0, 0, 0);
        Insn r0 = new Insn(ALU64 | MOV | K, 0, 0, 0, 0);
        List<Insn> dst = List.of(r0, new Insn(ALU64 | MOV | K, 12, 0, 0, 1), exit);
        assertRejected(assertThrows(VerifierException.class, () -> Verifier.verify(new BpfProgram("p", "syscall", dst, List.of()), MAPS, ROOT)),
            Errno.EINVAL, 1, "R12 is invalid");
        List<Insn> src = List.of(r0, new Insn(LDX | MEM | DW, 1, 15, 0, 0), exit);
        assertRejected(assertThrows(VerifierException.class, () -> Verifier.verify(new BpfProgram("p", "syscall", src, List.of()), MAPS, ROOT)),
            Errno.EINVAL, 1, "R15 is invalid");
    }

    /** Allocates one arena page into r0 and casts it into r1 (what clang emits). */
    private static final String ALLOC = dev.arenaemu.kernel.bpf.BpfTestPrograms.ALLOC_ONE_PAGE;

    // ---- program <-> arena binding (docs/semantics.md#arena-binding) ----------------------------

    @Test
    void scenario22_arenaWithoutUserAddressIsRejected() {
        MapDescriptor unplaced = MapDescriptor.arena("arena", 0, 0xFFFF_8880_0100_0000L, 0, 0);
        VerifierException e = reject("r0 = 0\nr1 = map[arena] ll\nexit", Map.of("arena", unplaced), ROOT);
        assertRejected(e, Errno.EINVAL, 1, "arena's user address must be set via map_extra or mmap()");
    }

    @Test
    void scenario23_twoArenasInOneProgram() {
        MapDescriptor other = MapDescriptor.arena("arena2", 0, 0xFFFF_8880_0300_0000L, 2 * USER_BASE, 2 * USER_BASE + 4096);
        VerifierException e = reject("r0 = 0\nr1 = map[arena] ll\nr2 = map[arena2] ll\nexit", Map.of("arena", ARENA, "arena2", other), ROOT);
        assertRejected(e, Errno.EBUSY, 3, "Only one arena per program");
    }

    @Test
    void referencingTheSameArenaTwiceIsFine() {
        assertTrue(verify("r0 = 0\nr1 = map[arena] ll\nr2 = map[arena] ll\nexit").arena().isPresent());
    }

    @Test
    void scenario24_arenaNeedsCapBpfAndCapPerfmon() {
        VerifierException e = reject("r0 = 0\nr1 = map[arena] ll\nexit", MAPS, ROOT.withCaps(true, false));
        assertRejected(e, Errno.EPERM, 1, "CAP_BPF and CAP_PERFMON are required to use arena");
    }

    @Test
    void scenario26_arenaNeedsTheJit() {
        assertRejected(reject("r0 = 0\nr1 = map[arena] ll\nexit", MAPS, ROOT.withJit(false, true)), Errno.EOPNOTSUPP, 1,
            "JIT is required to use arena");
        assertRejected(reject("r0 = 0\nr1 = map[arena] ll\nexit", MAPS, ROOT.withJit(true, false)), Errno.EOPNOTSUPP, 1,
            "JIT doesn't support arena");
    }

    @Test
    void directValueOffsetLimitHoldsUntilE4() {
        MapDescriptor big = MapDescriptor.arena("arena", 0, 0xFFFF_8880_0100_0000L, USER_BASE, USER_BASE + (1L << 32));
        String prog = "r0 = 0\nr1 = arena_global[0x20000000] ll\nexit";
        assertRejected(reject(prog, Map.of("arena", big), ROOT), Errno.EINVAL, 1, "direct value offset of 536870912 is not allowed");
        VerifiedProgram ok = verify(prog, Map.of("arena", big), VerifierConfig.privileged(KernelEra.V7_0));
        assertEquals(USER_BASE + 0x2000_0000L, Insn.imm64(ok.program().insns().get(1), ok.program().insns().get(2)));
    }

    @Test
    void arenaDirectValueAtTheEndIsRefusedFromE5() {
        // selftest arena_direct_value (docs/scenario-catalogue.md#12-7-others): map_value(arena) + size
        String prog = "r0 = 0\nr1 = arena_global[0x64000] ll\nexit";
        assertNotNull(verify(prog, MAPS, VerifierConfig.privileged(KernelEra.V7_0)));
        assertRejected(reject(prog, MAPS, VerifierConfig.privileged(KernelEra.LATEST)), Errno.ERANGE, 1,
            "invalid access to map value pointer, value_size=0 off=409600");
    }

    @Test
    void mapReferencesArePatchedToAddressesAndLosePseudoSource() {
        VerifiedProgram v = verify("r1 = map[arena] ll\nr2 = map_value[.bss + 0x8] ll\nr0 = *(u64 *)(r2 + 0)\nexit");
        Insn ld = v.program().insns().get(0);
        assertEquals(0, ld.src());
        assertEquals(ARENA.objectAddress(), Insn.imm64(ld, v.program().insns().get(1)));
        assertEquals(BSS.valueAddress() + 8, Insn.imm64(v.program().insns().get(2), v.program().insns().get(3)));
    }

    // ---- casts (docs/semantics.md#the-cast-instruction) -----------------------------------------

    @Test
    void scenario25_castWithWrongAddressSpaces() {
        VerifierException e = reject("r0 = 0\nr1 = map[arena] ll\nr1 = addr_space_cast(r0, 0x0, 0x2)\nexit");
        assertRejected(e, Errno.EINVAL, 3, "addr_space_cast insn can only convert between address space 1 and 0");
    }

    @Test
    void scenario25_castWithoutArena() {
        VerifierException e = reject("r0 = 0\nr1 = addr_space_cast(r0, 0x0, 0x1)\nexit");
        assertRejected(e, Errno.EINVAL, 1, "addr_space_cast insn can only be used in a program that has an associated arena");
    }

    @Test
    void scenario57_castKernBecomesA32BitMove() {
        VerifiedProgram v = verify(ALLOC + "r0 = 0\nexit");
        assertEquals(new Insn(ALU | MOV | X, 1, 0, 0, 0), v.program().insns().get(7));
        assertEquals(CastKind.KERN, v.aux().get(7).cast());
    }

    @Test
    void castUserIsKeptForTheJit() {
        VerifiedProgram v = verify(ALLOC + "r2 = addr_space_cast(r1, 0x1, 0x0)\nr0 = 0\nexit");
        assertEquals(new Insn(ALU64 | MOV | X, 2, 1, ADDR_SPACE_CAST, CAST_USER), v.program().insns().get(8));
        assertEquals(CastKind.USER, v.aux().get(8).cast());
    }

    @Test
    void castUserWithNoUserConvBecomesA32BitMove() {
        MapDescriptor noConv = MapDescriptor.arena("arena", MapDescriptor.BPF_F_NO_USER_CONV, ARENA.objectAddress(), USER_BASE, USER_BASE + 4096);
        VerifiedProgram v = verify(ALLOC + "r2 = addr_space_cast(r1, 0x1, 0x0)\nr0 = 0\nexit", Map.of("arena", noConv), ROOT);
        assertEquals(new Insn(ALU | MOV | X, 2, 1, 0, 0), v.program().insns().get(8));
    }

    // ---- arena pointers (docs/semantics.md#ptr_to_arena) ----------------------------------------

    @Test
    void arenaAccessesBecomeProbeMem32WithOneExtableEntryEach() {
        VerifiedProgram v = verify(ALLOC + """
            *(u64 *)(r1 + 8) = r1
            *(u32 *)(r1 + 0) = 7
            r2 = *(u64 *)(r1 + 8)
            r0 = 0
            exit
            """);
        assertEquals(STX | PROBE_MEM32 | DW, v.program().insns().get(8).opcode());
        assertEquals(ST | PROBE_MEM32 | W, v.program().insns().get(9).opcode());
        assertEquals(LDX | PROBE_MEM32 | DW, v.program().insns().get(10).opcode());
        assertEquals(3, v.exceptionEntries());
        assertTrue(v.aux().get(10).arenaAccess());
    }

    /**
     * adjust_reg_min_max_vals with an arena <em>source</em> (verifier_arena.c scalar_add_arena_ptr,
     * scalar_xor_arena_ptr, arena_ptr_add_to_non_arena_ptr, non_arena_ptr_add_to_arena_ptr,
     * arena_ptr_add_arena_ptr). E5 has ac61bffe91d4 "bpf: Allow instructions with arena source and
     * non-arena dest registers": the destination becomes PTR_TO_ARENA for any op, ALU64 narrowed.
     * E4 predates it: {@code scalar += arena} is adjust_ptr_min_max_vals' pointer arithmetic (the
     * arena type, no narrowing), {@code scalar ^= arena} and {@code ctx += arena} are refused with
     * its messages; an arena destination takes the arena path in both.
     */
    @Test
    void arenaSourceAluFollowsTheEra() {
        VerifierConfig e5 = VerifierConfig.privileged(KernelEra.LATEST), e4 = VerifierConfig.privileged(KernelEra.V7_0);
        String cast = "r3 = map[arena] ll\nr6 = 8192\nr6 = addr_space_cast(r6, 0x0, 0x1)\n";   // insns 0-3
        String store = "*(u32 *)(r2 + 0) = 1\nr0 = 0\nexit";                                   // insn 6
        String add = cast + "r2 = 12\nr2 += r6\n" + store;
        VerifiedProgram added5 = verify(add, MAPS, e5), added4 = verify(add, MAPS, e4);
        assertEquals(new Insn(ALU | ADD | X, 2, 6, 0, 0), added5.program().insns().get(5));
        assertEquals(new Insn(ALU64 | ADD | X, 2, 6, 0, 0), added4.program().insns().get(5));
        assertEquals(ST | PROBE_MEM32 | W, added5.program().insns().get(6).opcode());
        assertEquals(ST | PROBE_MEM32 | W, added4.program().insns().get(6).opcode());

        String xor = cast + "r2 = 12\nr2 ^= r6\n" + store;
        assertEquals(new Insn(ALU | XOR | X, 2, 6, 0, 0), verify(xor, MAPS, e5).program().insns().get(5));
        assertRejected(reject(xor, MAPS, e4), Errno.EACCES, 5, "R2 bitwise operator ^= on pointer prohibited");

        String ctxDst = cast + "r2 = r1\nr2 += r6\n" + store;
        assertEquals(ST | PROBE_MEM32 | W, verify(ctxDst, MAPS, e5).program().insns().get(6).opcode());
        assertRejected(reject(ctxDst, MAPS, e4), Errno.EACCES, 5, "R2 pointer += pointer prohibited");

        for (VerifierConfig c : List.of(e4, e5)) {
            String arenaDst = cast + "r2 = r1\nr6 += r2\nr7 = 4096\nr7 = addr_space_cast(r7, 0x0, 0x1)\nr7 += r6\nr2 = r7\n" + store;
            VerifiedProgram v = verify(arenaDst, MAPS, c);
            assertEquals(new Insn(ALU | ADD | X, 6, 2, 0, 0), v.program().insns().get(5), c.era().toString());
            assertEquals(ST | PROBE_MEM32 | W, v.program().insns().get(10).opcode(), c.era().toString());
        }
    }

    @Test
    void alu64OnArenaPointerIsNarrowedTo32Bits() {
        VerifiedProgram v = verify(ALLOC + "r1 += 4096\n*(u64 *)(r1 + 0) = 1\nr0 = 0\nexit");
        assertEquals(new Insn(ALU | ADD | K, 1, 0, 0, 4096), v.program().insns().get(8));
        assertTrue(v.aux().get(8).narrowedToAlu32());
        assertEquals(ST | PROBE_MEM32 | DW, v.program().insns().get(9).opcode());
    }

    @Test
    void arenaPointerSurvivesSpillAndFill() {
        VerifiedProgram v = verify(ALLOC + "*(u64 *)(r10 - 8) = r1\nr3 = *(u64 *)(r10 - 8)\nr0 = *(u32 *)(r3 + 0)\nexit");
        assertEquals(LDX | MEM | DW, v.program().insns().get(9).opcode());
        assertEquals(LDX | PROBE_MEM32 | W, v.program().insns().get(10).opcode());
    }

    @Test
    void scenario27_fetchAndOnArenaIsRejectedOnX86() {
        VerifierException e = reject(ALLOC + "r2 = 1\nr2 = atomic_fetch_and((u64 *)(r1 + 0), r2)\nr0 = 0\nexit");
        assertRejected(e, Errno.EACCES, 9, "BPF_ATOMIC stores into R1 arena is not allowed");
    }

    /**
     * check_atomic in v6.9 lists is_arena_reg() among the refused destinations (317460317a02 series);
     * "bpf: Add support for certain atomics in bpf_arena to x86 JIT" (v6.10) allows what the JIT supports.
     */
    @Test
    void v6_9RefusesEveryAtomicOnArenaAndV6_10AcceptsTheJitsOnes() {
        String fetchAdd = ALLOC + "r2 = 1\nr2 = atomic_fetch_add((u64 *)(r1 + 0), r2)\nr0 = 0\nexit";
        String and = ALLOC + "r2 = 1\nlock *(u64 *)(r1 + 0) &= r2\nr0 = 0\nexit";
        for (String prog : List.of(fetchAdd, and)) {
            assertRejected(reject(prog, MAPS, VerifierConfig.privileged(KernelEra.V6_9)), Errno.EACCES, 9, "BPF_ATOMIC stores into R1 arena is not allowed");
            assertEquals(STX | PROBE_ATOMIC | DW, verify(prog, MAPS, VerifierConfig.privileged(KernelEra.V6_10)).program().insns().get(9).opcode());
        }
        assertRejected(reject(ALLOC + "r2 = 1\nr2 = atomic_fetch_and((u64 *)(r1 + 0), r2)\nr0 = 0\nexit", MAPS, VerifierConfig.privileged(KernelEra.V6_10)),
            Errno.EACCES, 9, "BPF_ATOMIC stores into R1 arena is not allowed");
    }

    /** "bpf/arena: add bpf_arena_reserve_pages kfunc" (v6.17): before it, vmlinux BTF has no such function. */
    @Test
    void reservePagesIsNotAFunctionBeforeV6_17() {
        String prog = "r1 = map[arena] ll\nr2 = 0\nr3 = 1\ncall bpf_arena_reserve_pages\nexit";
        for (KernelEra era : List.of(KernelEra.V6_9, KernelEra.V6_10)) {
            assertRejected(reject(prog, MAPS, VerifierConfig.privileged(era)), Errno.EINVAL, 4, "kernel btf_id 3 is not a function");
        }
        assertNotNull(verify(prog, MAPS, VerifierConfig.privileged(KernelEra.V6_13)));
    }

    @Test
    void scenario27_nonFetchAndOnArenaBecomesProbeAtomic() {
        VerifiedProgram v = verify(ALLOC + "r2 = 1\nlock *(u64 *)(r1 + 0) &= r2\nr0 = 0\nexit");
        assertEquals(STX | PROBE_ATOMIC | DW, v.program().insns().get(9).opcode());
        assertEquals(AND, v.program().insns().get(9).imm());
    }

    @Test
    void loadAcquireAndStoreReleaseOnArenaBecomeProbeAtomic() {
        VerifiedProgram v = verify(ALLOC + "w2 = load_acquire((u8 *)(r1 + 0x0))\nstore_release((u64 *)(r1 + 0x8), r2)\nr0 = 0\nexit",
            MAPS, VerifierConfig.privileged(KernelEra.V7_0));
        assertEquals(new Insn(STX | PROBE_ATOMIC | B, 2, 1, 0, LOAD_ACQ), v.program().insns().get(8));
        assertEquals(new Insn(STX | PROBE_ATOMIC | DW, 1, 2, 8, STORE_REL), v.program().insns().get(9));
        assertEquals(2, v.exceptionEntries());
    }

    /** check_atomic before v6.15 (era V6_13, like the 6.12 kernels) knows neither opcode: -EINVAL at do_check. */
    @Test
    void loadAcquireAndStoreReleaseAreInvalidAtomicOpcodesBeforeV615() {
        assertRejected(reject(ALLOC + "w2 = load_acquire((u8 *)(r1 + 0x0))\nr0 = 0\nexit", MAPS, ROOT),
            Errno.EINVAL, 8, "BPF_ATOMIC uses invalid atomic opcode 100");
        assertRejected(reject(ALLOC + "store_release((u64 *)(r1 + 0x8), r1)\nr0 = 0\nexit", MAPS, ROOT),
            Errno.EINVAL, 8, "BPF_ATOMIC uses invalid atomic opcode 110");
        assertRejected(reject("r1 = r10\nr1 += -8\nr2 = 0\n*(u64 *)(r10 - 8) = r2\nr2 = load_acquire((u64 *)(r1 + 0x0))\nr0 = 0\nexit", MAPS, ROOT),
            Errno.EINVAL, 4, "BPF_ATOMIC uses invalid atomic opcode 100");
    }

    /** opt_remove_nops (privileged): goto +0 disappears, jumps across it shrink, a jump to it lands after it. */
    @Test
    void privilegedLoadsLoseTheirNopJumps() {
        String prog = "r0 = 0\nif r1 == 0 goto +1\ngoto +0\nif r1 == 1 goto +0\nr0 = 1\nexit";
        List<Insn> x = verify(prog).program().insns();
        assertEquals(5, x.size(), x::toString);
        assertEquals(new Insn(JMP | JEQ | K, 1, 0, 0, 0), x.get(1));   // was +1 to the nop: now lands on the insn after it
        assertEquals(new Insn(JMP | JEQ | K, 1, 0, 0, 1), x.get(2));   // not a nop: a conditional jump stays
        VerifierConfig unprivileged = new VerifierConfig(KernelEra.V6_13, false, false, true, true);
        assertEquals(6, verify(prog, Map.of(), unprivileged).program().insns().size());
    }

    /**
     * opt_subreg_zext_lo32_rnd_hi32: the zext after a 32-bit cmpxchg is there only when R0 may be
     * read as 64 bits before it is written again (zext_dst).
     */
    @Test
    void cmpxchgZextOnlyWhenR0IsReadAs64Bits() {
        String cas = "r1 = 0\n*(u64 *)(r10 - 8) = r1\nw0 = 1\nw2 = 2\nw0 = cmpxchg32_32(r10 - 8, w0, w2)\n";
        Insn zext = new Insn(ALU | MOV | X, 0, 0, 0, 1);
        List<Insn> returned = verify(cas + "exit").program().insns();             // exit reads R0 as 64 bits
        assertEquals(zext, returned.get(5), returned::toString);
        List<Insn> compared = verify(cas + "if r0 > 5 goto +0\nr0 = 0\nexit").program().insns();
        assertEquals(zext, compared.get(5), compared::toString);
        List<Insn> narrow = verify(cas + "w0 += 1\nr0 = 0\nexit").program().insns();   // 32-bit use, then overwritten
        assertFalse(narrow.contains(zext), narrow::toString);
        List<Insn> dropped = verify(cas + "r0 = 0\nexit").program().insns();
        assertFalse(dropped.contains(zext), dropped::toString);
    }

    /** check_alu_op: a division or modulo by the immediate 0 is refused. */
    @Test
    void divisionByImmediateZeroIsRejected() {
        assertRejected(reject("r0 = 1\nr0 /= 0\nexit", MAPS, ROOT), Errno.EINVAL, 1, "div by zero");
        assertRejected(reject("w0 = 1\nw0 %= 0\nexit", MAPS, ROOT), Errno.EINVAL, 1, "div by zero");
    }

    @Test
    void signExtendingArenaLoadDependsOnEra() {
        String prog = ALLOC + "r2 = *(s8 *)(r1 + 0)\nr0 = 0\nexit";
        assertRejected(reject(prog), Errno.EOPNOTSUPP, 8, "sign extending loads from arena are not supported yet");
        for (KernelEra era : List.of(KernelEra.V7_0, KernelEra.LATEST)) {
            VerifiedProgram v = verify(prog, MAPS, VerifierConfig.privileged(era));
            assertEquals(LDX | PROBE_MEM32SX | B, v.program().insns().get(8).opcode(), era::toString);
        }
    }

    @Test
    void arenaKfuncsNeedASleepableProgramBeforeE4() {
        BpfProgram p = Assembler.assemble("p", "socket", ALLOC + "r0 = 0\nexit");
        VerifierException e = assertThrows(VerifierException.class, () -> Verifier.verify(p, MAPS, ROOT));
        assertRejected(e, Errno.EACCES, 6, "program must be sleepable to call sleepable kfunc bpf_arena_alloc_pages");
        assertNotNull(Verifier.verify(p, MAPS, VerifierConfig.privileged(KernelEra.V7_0)));
    }

    @Test
    void rewrittenProgramDisassemblesWithProbeNotes() {
        VerifiedProgram v = verify(ALLOC + "r2 = *(u64 *)(r1 + 8)\nr0 = 0\nexit");
        List<String> text = Disassembler.program(v.program());
        assertEquals("w1 = w0", text.get(6));
        assertEquals("r2 = *(u64 *)(r1 + 0x8) ; probe_mem32", text.get(7));
    }

    @Test
    void arenaKfuncNeedsAMapPointerFirst() {
        VerifierException e = reject("r1 = r10\nr2 = 0\nr3 = 1\nr4 = -1\nr5 = 0\ncall bpf_arena_alloc_pages\nr0 = 0\nexit");
        assertRejected(e, Errno.EINVAL, 5, "kernel function bpf_arena_alloc_pages args#0 expected pointer to STRUCT bpf_map but R1 has a pointer to fp");
    }

    // ---- basic safety ------------------------------------------------------------------

    @Test
    void uninitialisedRegisterCannotBeRead() {
        assertRejected(reject("r0 = r2\nexit"), Errno.EACCES, 0, "R2 !read_ok");
    }

    @Test
    void exitNeedsR0() {
        assertRejected(reject("r1 = 0\nexit"), Errno.EACCES, 1, "R0 !read_ok");
    }

    @Test
    void framePointerIsReadOnly() {
        assertRejected(reject("r10 = 0\nr0 = 0\nexit"), Errno.EACCES, 0, "frame pointer is read only");
    }

    @Test
    void stackAccessesStayInside512Bytes() {
        assertRejected(reject("*(u64 *)(r10 - 520) = 1\nr0 = 0\nexit"), Errno.EACCES, 0, "invalid write to stack R10 off=-520 size=8");
        assertRejected(reject("r0 = *(u32 *)(r10 + 0)\nexit"), Errno.EACCES, 0, "invalid read from stack R10 off=0 size=4");
    }

    @Test
    void stackPointerArithmeticIsTracked() {
        assertRejected(reject("r2 = r10\nr2 += -512\n*(u64 *)(r2 - 8) = 0\nr0 = 0\nexit"), Errno.EACCES, 2,
            "invalid write to stack R2 off=-520 size=8");
    }

    @Test
    void mapValueAccessesStayInsideTheValue() {
        assertRejected(reject("r1 = map_value[.bss + 0x8] ll\nr0 = *(u64 *)(r1 + 8)\nexit"), Errno.EACCES, 2,
            "invalid access to map value, value_size=16 off=16 size=8");
    }

    @Test
    void rodataIsReadOnlyForPrograms() {
        MapDescriptor rodata = new MapDescriptor(".rodata", MapDescriptor.BPF_MAP_TYPE_ARRAY, 1L << 8, 8, 0xFFFF_8880_0400_0000L,
            0xFFFF_8880_0400_0100L, 0, 0);
        VerifierException e = reject("r1 = map_value[.rodata + 0x0] ll\n*(u32 *)(r1 + 4) = 1\nr0 = 0\nexit", Map.of(".rodata", rodata), ROOT);
        assertRejected(e, Errno.EACCES, 2, "write into map forbidden, value_size=8 off=4 size=4");
    }

    @Test
    void pointersMayNotLeakIntoMapsWithoutCapPerfmon() {
        String prog = "r1 = map_value[.bss + 0x0] ll\n*(u64 *)(r1 + 0) = r10\nr0 = 0\nexit";
        assertNotNull(verify(prog));
        assertRejected(reject(prog, MAPS, ROOT.withCaps(true, false)), Errno.EACCES, 2, "R10 leaks addr into map");
    }

    @Test
    void scalarsAreNotPointers() {
        assertRejected(reject("r1 = 5\nr0 = *(u64 *)(r1 + 0)\nexit"), Errno.EACCES, 1, "R1 invalid mem access 'scalar'");
    }

    @Test
    void jumpsStayInsideTheProgram() {
        assertRejected(reject("r0 = 0\ngoto +5\nexit"), Errno.EINVAL, 1, "jump out of range from insn 1 to 7");
    }

    @Test
    void programMustNotFallOffTheEnd() {
        assertRejected(reject("r0 = 0"), Errno.EINVAL, 0, "last insn is not an exit or jmp");
    }

    @Test
    void unreachableInstructionsAreRejected() {
        assertRejected(reject("r0 = 0\nexit\nr0 = 1\nexit"), Errno.EINVAL, 2, "unreachable insn 2");
    }

    @Test
    void loopsNeedCapBpf() {
        String loop = "r0 = 0\nloop:\nr0 += 1\nif r0 < 10 goto loop\nexit";
        assertNotNull(verify(loop));
        assertRejected(reject(loop, Map.of(), ROOT.withCaps(false, false)), Errno.EINVAL, 2, "back-edge from insn 2 to 1");
    }

    @Test
    void legacyPacketAccessIsNotForThesePrograms() {
        assertRejected(reject("r6 = r1\nr0 = *(u8 *)skb[0x10]\nexit"), Errno.EINVAL, 1,
            "BPF_LD_[ABS|IND] instructions not allowed for this program type");
    }

    @Test
    void loopWithoutAWayOutIsRejected() {
        assertRejected(reject("r0 = 0\nloop:\nr0 += 1\ngoto loop"), Errno.EINVAL, 1, "infinite loop detected at insn 1");
    }

    /** A .bss-like map whose BTF value record has a struct bpf_spin_lock at 8 (btf_parse_fields). */
    static final MapDescriptor LOCKS = MapDescriptor.array(".bss.locks", 16, 0xFFFF_8880_0300_0000L, 0xFFFF_8880_0300_0100L).withSpinLock(8);
    static final Map<String, MapDescriptor> LOCK_MAPS = Map.of("arena", ARENA, ".bss", BSS, ".bss.locks", LOCKS);
    private static final String LOCK = "r1 = map_value[.bss.locks + 0x8] ll\ncall 93\n";      // 3 slots
    private static final String UNLOCK = "r1 = map_value[.bss.locks + 0x8] ll\ncall 94\n";

    /**
     * bpf_spin_lock / bpf_spin_unlock: check_func_arg (ARG_PTR_TO_SPIN_LOCK is a map value),
     * process_spin_lock (constant offset, the record's lock exactly there, one lock at a time,
     * unlock of the held lock), check_resource_leak at the main program's exit, and
     * check_map_access keeping plain loads and stores off the lock word.
     */
    @Test
    void spinLockPairsAndItsChecks() {
        VerifierConfig e4 = VerifierConfig.privileged(KernelEra.V7_0);
        verify(LOCK + "r6 = 1\n" + UNLOCK + "r0 = 0\nexit", LOCK_MAPS, e4);
        assertRejected(reject(LOCK + "r0 = 0\nexit", LOCK_MAPS, e4), Errno.EINVAL, 4,
            "BPF_EXIT instruction in main prog cannot be used inside bpf_spin_lock-ed region");
        assertRejected(reject(UNLOCK + "r0 = 0\nexit", LOCK_MAPS, e4), Errno.EINVAL, 2, "bpf_spin_unlock without taking a lock");
        assertRejected(reject(LOCK + LOCK + "r0 = 0\nexit", LOCK_MAPS, e4), Errno.EINVAL, 5,
            "function calls are not allowed while holding a lock");
        assertRejected(reject("r1 = map_value[.bss + 0x0] ll\ncall 93\nr0 = 0\nexit", LOCK_MAPS, e4), Errno.EINVAL, 2,
            "map '.bss' has no valid bpf_spin_lock");
        assertRejected(reject("r1 = map_value[.bss.locks + 0x4] ll\ncall 93\nr0 = 0\nexit", LOCK_MAPS, e4), Errno.EINVAL, 2,
            "off 4 doesn't point to 'struct bpf_spin_lock' that is at 8");
        assertRejected(reject("r1 = r10\ncall 93\nr0 = 0\nexit", LOCK_MAPS, e4), Errno.EACCES, 1, "R1 type=fp expected=map_value");
        assertRejected(reject(LOCK + "call 1\n" + UNLOCK + "r0 = 0\nexit", LOCK_MAPS, e4), Errno.EINVAL, 3,
            "function calls are not allowed while holding a lock");
        assertRejected(reject("r1 = map_value[.bss.locks + 0x0] ll\nr0 = *(u64 *)(r1 + 4)\nexit", LOCK_MAPS, e4), Errno.EACCES, 2,
            "bpf_spin_lock cannot be accessed directly by load/store");
        // both paths of a branch must agree: the joined "maybe held" state fails like the kernel's held path
        assertRejected(reject("r0 = 0\nif r0 == 0 goto skip\n" + LOCK + "skip:\nr0 = 0\nexit", LOCK_MAPS, e4), Errno.EINVAL, 6,
            "BPF_EXIT instruction in main prog cannot be used inside bpf_spin_lock-ed region");
    }

    /**
     * do_check_insn / kfunc_spin_allowed: an arena kfunc under the lock is refused before E5
     * and allowed from E5 (KF_SPINLOCK_SAFE, ed3b3093b624); specialize_kfunc then gives the call
     * site the _non_sleepable variant even in a sleepable program, while the same call outside
     * the lock keeps the sleepable kfunc (verifier_arena.c arena_kfuncs_under_bpf_lock).
     */
    @Test
    void arenaKfuncsUnderTheLockFollowTheEra() {
        String freeUnder = "r1 = map[arena] ll\nr2 = 0\nr3 = 1\ncall bpf_arena_free_pages\n";   // 5 slots
        String prog = freeUnder + LOCK + freeUnder + UNLOCK + "r0 = 0\nexit";
        assertRejected(reject(prog, LOCK_MAPS, VerifierConfig.privileged(KernelEra.V7_0)), Errno.EINVAL, 12,
            "function calls are not allowed while holding a lock");
        VerifiedProgram v = verify(prog, LOCK_MAPS, VerifierConfig.privileged(KernelEra.LATEST));
        assertEquals(Kfunc.BPF_ARENA_FREE_PAGES.id, v.program().insns().get(4).imm());
        assertEquals(Kfunc.BPF_ARENA_FREE_PAGES_NON_SLEEPABLE.id, v.program().insns().get(12).imm());
        // a program may not name the specialised variant itself: it is not in the exported set
        List<Insn> raw = List.of(new Insn(JMP | CALL, 0, PSEUDO_KFUNC_CALL, 0, Kfunc.BPF_ARENA_FREE_PAGES_NON_SLEEPABLE.id),
            new Insn(ALU64 | MOV | K, 0, 0, 0, 0), new Insn(JMP | EXIT, 0, 0, 0, 0));
        assertRejected(assertThrows(VerifierException.class, () -> Verifier.verify(new BpfProgram("p", "syscall", raw, List.of()), LOCK_MAPS,
            VerifierConfig.privileged(KernelEra.LATEST))), Errno.EINVAL, 0, "kernel btf_id 5 is not a function");
    }

    /**
     * check_kfunc_args for {@code __arena} parameters (252d36716326, E5; upstream arena_kfunc.c
     * arena_arg_no_arena / arena_arg_bad_reg): an arena pointer or a scalar in a program bound to
     * an arena; no arena is "arena pointer requires a program with an associated arena", another
     * pointer kind "R1 is not a pointer to arena or scalar" (-EINVAL). Before E5 the test module
     * has no such kfuncs.
     */
    @Test
    void arenaKfuncParametersTakeArenaPointersOrScalars() {
        VerifierConfig e5 = VerifierConfig.privileged(KernelEra.LATEST);
        verify("r1 = map[arena] ll\nr1 = 0x1234\ncall bpf_kfunc_arena_arg_test\nexit", MAPS, e5);
        verify("r1 = map[arena] ll\nr1 = 0x1234\nr1 = addr_space_cast(r1, 0x0, 0x1)\ncall bpf_kfunc_arena_cap_nullable_test\nexit", MAPS, e5);
        assertRejected(reject("r1 = 1\ncall bpf_kfunc_arena_arg_test\nexit", MAPS, e5), Errno.EINVAL, 1,
            "arena pointer requires a program with an associated arena");
        assertRejected(reject("r2 = map[arena] ll\nr1 = r10\nr1 += -8\ncall bpf_kfunc_arena_arg_test\nexit", MAPS, e5), Errno.EINVAL, 4,
            "R1 is not a pointer to arena or scalar");
        assertRejected(reject("r1 = map[arena] ll\nr1 = 1\ncall bpf_kfunc_arena_arg_test\nexit", MAPS, VerifierConfig.privileged(KernelEra.V7_0)),
            Errno.EINVAL, 3, "kernel btf_id " + Kfunc.BPF_KFUNC_ARENA_ARG_TEST.id + " is not a function");
    }

    @Test
    void helpersAreUnknown() {
        assertRejected(reject("call 1\nr0 = 0\nexit"), Errno.EINVAL, 0, "invalid func unknown#1");
    }

    @Test
    void bpfToBpfCallsPassArgumentsAndReturnR0() {
        VerifiedProgram v = verify(ALLOC + """
            call sub
            r0 = 0
            exit
            sub:
            r2 = 3
            *(u32 *)(r1 + 0) = r2
            r0 = r2
            exit
            """);
        assertEquals(java.util.List.of(0, 11), v.subprogStarts());
        assertEquals(STX | PROBE_MEM32 | W, v.program().insns().get(12).opcode());
    }

    @Test
    void calleeCannotReadArgumentsTheCallerDidNotSet() {
        assertRejected(reject("call sub\nr0 = 0\nexit\nsub:\nr0 = r3\nexit"), Errno.EACCES, 3, "R3 !read_ok");
    }

    @Test
    void sameInstructionCannotUseArenaAndStackPointers() {
        VerifierException e = reject(ALLOC + """
            r6 = r1
            if r0 == 0 goto stack
            goto use
            stack:
            r6 = r10
            r6 += -8
            use:
            *(u64 *)(r6 + 0) = 0
            r0 = 0
            exit
            """);
        // save_aux_ptr_type: the arena path reaches the store first, the stack path then conflicts
        assertRejected(e, Errno.EINVAL, 13, "same insn cannot be used with different pointers");
    }
}
