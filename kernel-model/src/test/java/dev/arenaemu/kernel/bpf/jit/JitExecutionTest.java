package dev.arenaemu.kernel.bpf.jit;

import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.emulator.cpu.RunResult;
import dev.arenaemu.emulator.trap.FaultHandler;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.bpf.isa.Bpf;
import dev.arenaemu.kernel.bpf.isa.Kfunc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * JIT output run by Unicorn on the kernel CPU: arena accesses, fixups, reports, calls
 * (docs/semantics.md#jit, catalogue 57–60).
 */
class JitExecutionTest {
    private static Machine machine;
    private static ArenaFixture arena;
    private static JitRuntime runtime;
    private static final List<String> calls = new ArrayList<>();
    private static CallDispatcher next = (t, a1, a2, a3, a4, a5) -> CallResult.of(a1 + a2 + a3 + a4 + a5);

    @BeforeAll
    static void boot() {
        machine = new Machine();
        arena = new ArenaFixture(machine);
        runtime = new JitRuntime(machine, (t, a1, a2, a3, a4, a5) -> {
            calls.add(t.toString());
            return next.call(t, a1, a2, a3, a4, a5);
        });
        runtime.installFaultHandler(FaultHandler.DELIVER_ALL);
        arena.populate(0);
        arena.populate(1);
    }

    @AfterAll
    static void shutdown() {
        machine.close();
    }

    private static LoadedProgram load(B b) {
        return runtime.load("test", b.build(), arena.options());
    }

    private static long run(LoadedProgram p, long... args) {
        JitRuntime.Outcome o = runtime.run(p, Budget.DEFAULT, args);
        if (o instanceof JitRuntime.Outcome.Returned r) return r.r0();
        throw new AssertionError("program did not return: " + o);
    }

    @Test
    void arithmeticProgramReturnsR0() {
        LoadedProgram p = load(B.prog().mov64(0, 6).alu64i(Bpf.MUL, 0, 7).alu64(Bpf.ADD, 0, 1).exit());
        assertEquals(42 + 100, run(p, 100));
    }

    @Test
    void scenario57_castKernThenLoadReadsKernVmStartPlusLow32() {
        arena.write64(0x1010, 0x1122_3344_5566_7788L);
        // r1 = user pointer 0x1000_0000_1000; cast_kern (32-bit mov) then *(u64 *)(r1 + 0x10)
        LoadedProgram p = load(B.prog().mov32r(1, 1).arenaLdx(Bpf.DW, 0, 1, 0x10).exit());
        assertEquals(0x1122_3344_5566_7788L, run(p, ArenaFixture.USER_VM_START + 0x1000));
    }

    @Test
    void storeToPopulatedPageLandsInTheArenaBuffer() {
        LoadedProgram p = load(B.prog().mov32(1, 0x1008).mov64(2, -2).arenaStx(Bpf.DW, 1, 2, 0).mov64(0, 0).exit());
        run(p);
        assertEquals(-2L, arena.read(0x1008, 8));
    }

    @Test
    void scenario58_lowerGuardLoadZeroesDestinationAndReportsRead() {
        LoadedProgram p = load(B.prog().ldImm64(0, 0x1234_5678_9ABC_DEF0L).mov32(1, 0).arenaLdx(Bpf.DW, 0, 1, -8).exit());
        assertEquals(0, run(p));
        assertEquals(1, p.stderr().size());
        assertTrue(p.stderr().get(0).startsWith("ERROR: Arena READ access at unmapped address 0xffffffffff8\n"), p.stderr().get(0));
    }

    @Test
    void scenario58_upperGuardLoadZeroesDestination() {
        LoadedProgram p = load(B.prog().mov64(0, 77).mov32(1, 0xFFFF_FFF0).arenaLdx(Bpf.W, 0, 1, 32).exit());
        assertEquals(0, run(p));
        assertTrue(p.stderr().get(0).startsWith("ERROR: Arena READ access at unmapped address 0x100100000010"), p.stderr().get(0));
    }

    @Test
    void scenario59_storeToUnpopulatedPageIsSkippedAndReportsWrite() {
        // pgoff 2 is never populated; the program continues and returns its marker
        LoadedProgram p = load(B.prog().mov32(1, 0x2000).mov64(2, 5).arenaSt(Bpf.W, 1, 0, 1).arenaStx(Bpf.DW, 1, 2, 8)
            .mov64r(0, 2).exit());
        assertEquals(5, run(p));
        assertEquals(List.of("ERROR: Arena WRITE access at unmapped address 0x100000002000",
                "ERROR: Arena WRITE access at unmapped address 0x100000002008"), reports(p));
    }

    /**
     * Catalogue 60: fetch_add and cmpxchg on a page never populated. Up to E4 the PROBE_ATOMIC
     * exception-table entry is DONT_CLEAR (populate_extable records class STX like a store), so
     * ex_handler_bpf skips the atomic and the fetch register and r0 keep their values; in E5 (what
     * 7.3.4 shows, and selftests/bpf progs/stream.c stream_arena_xchg_fault asserts) the entry
     * names the fetch register (src for fetch_add, r0 for cmpxchg), which is zeroed. Both report a
     * WRITE.
     */
    @Test
    void scenario60_atomicsOnUnpopulatedPageKeepTheirRegistersUntilE5ZeroesThem() {
        for (dev.arenaemu.kernel.KernelEra era : List.of(dev.arenaemu.kernel.KernelEra.V7_0, dev.arenaemu.kernel.KernelEra.LATEST)) {
            LoadedProgram p = runtime.load("test", scenario60().build(), arena.options().withEra(era));
            boolean zeroes = era.atomicFaultClearsFetchRegister();
            assertEquals(zeroes ? 0 : 4 << 8 | 9, run(p), era.label());
            assertEquals(List.of("ERROR: Arena WRITE access at unmapped address 0x100000003000",
                    "ERROR: Arena WRITE access at unmapped address 0x100000003000"),
                p.stderr().stream().map(s -> s.lines().findFirst().orElseThrow()).toList(), era.label());
            for (ExceptionTableEntry e : p.image().extable()) assertTrue(e.isWrite() && e.clears() == zeroes, era.label() + " " + e);
        }
    }

    /** fetch_add(r2 = 9) then cmpxchg(r0 = 4) at arena offset 0x3000, never populated; returns r0 << 8 | r2. */
    private static B scenario60() {
        return B.prog().mov32(1, 0x3000).mov64(2, 9).mov64(0, 4)
            .arenaAtomic(Bpf.DW, 1, 2, 0, Bpf.ADD | Bpf.FETCH)
            .arenaAtomic(Bpf.DW, 1, 2, 0, Bpf.CMPXCHG)
            .alu64i(Bpf.LSH, 0, 8).alu64(Bpf.OR, 0, 2).exit();
    }

    /**
     * do_jit's populate_extable and ex_handler_bpf for a load-acquire (BPF_STX | BPF_PROBE_ATOMIC,
     * imm BPF_LOAD_ACQ) on an unpopulated page, the situation of stream.c's
     * stream_arena_load_acquire_fault: from E5 the entry is an LDX's (arena register = src, the
     * loaded register cleared), so the report is a READ at the address of the access and r0 reads
     * 0. E4 keeps the v6.18 entry of every STX-class instruction (arena register = dst, DONT_CLEAR):
     * a WRITE at r0's value + off, r0 unchanged. A store-release is a WRITE at dst + off in both.
     */
    @Test
    void loadAcquireFaultIsReportedAsAReadOfTheAccessFromE5() {
        B prog = B.prog().mov64(0, 1).mov32(1, 0x6000).mov64(2, 3)
            .arenaAtomic(Bpf.W, 0, 1, 0x7ff, Bpf.LOAD_ACQ)        // r0 = load_acquire((u32 *)(r1 + 0x7ff))
            .arenaAtomic(Bpf.W, 1, 2, 8, Bpf.STORE_REL)           // store_release((u32 *)(r1 + 8), r2)
            .exit();
        LoadedProgram latest = runtime.load("test", prog.build(), arena.options().withEra(KernelEra.LATEST));
        assertEquals(0, run(latest));
        assertEquals(List.of("ERROR: Arena READ access at unmapped address 0x1000000067ff",
                "ERROR: Arena WRITE access at unmapped address 0x100000006008"), reports(latest));
        LoadedProgram e4 = runtime.load("test", prog.build(), arena.options().withEra(KernelEra.V7_0));
        assertEquals(1, run(e4));
        assertEquals(List.of("ERROR: Arena WRITE access at unmapped address 0x100000000800",
                "ERROR: Arena WRITE access at unmapped address 0x100000006008"), reports(e4));
    }

    /** The first line of each report the program wrote to its stderr. */
    private static List<String> reports(LoadedProgram p) {
        return p.stderr().stream().map(s -> s.lines().findFirst().orElseThrow()).toList();
    }

    /**
     * do_jit before a call of a kfunc with {@code __arena} parameters (41b75522304c "bpf, x86:
     * JIT __arena kfunc argument rebasing", E5), the code upstream arena_kfunc_jit.c pins:
     * {@code movl %edi,%edi; addq %r12,%rdi} per __arena argument, and for an __arena__nullable
     * one {@code movl; testl; je} over the add, so a zero lo32 stays NULL. The kfunc gets
     * kern_vm_start + lo32 (here the dispatcher returns the sum of its arguments).
     */
    @Test
    void arenaKfuncArgumentsAreRebasedBeforeTheCall() {
        long kern = ArenaFixture.KERN_VM_START;
        LoadedProgram cap = load(B.prog().ldImm64(1, 0xbadc_0ffe_0000_1234L).mov64(2, 0).mov64(3, 0).mov64(4, 0).mov64(5, 0)
            .callKfunc(Kfunc.BPF_KFUNC_ARENA_CAP_TEST.id).exit());
        assertEquals(kern + 0x1234, run(cap));
        assertTrue(listing(cap).containsAll(List.of("mov %edi,%edi", "add %r12,%rdi")), listing(cap)::toString);
        LoadedProgram nullable = load(B.prog().ldImm64(1, 0xbadc_0ffe_0000_0000L).mov64(2, 0).mov64(3, 0).mov64(4, 0).mov64(5, 0)
            .callKfunc(Kfunc.BPF_KFUNC_ARENA_CAP_NULLABLE_TEST.id).exit());
        assertEquals(0, run(nullable), "a zero lo32 stays NULL");
        List<String> n = listing(nullable);
        int test = n.indexOf("test %edi,%edi");
        assertTrue(test > 0 && n.get(test - 1).equals("mov %edi,%edi") && n.get(test + 1).startsWith("je ")
            && n.get(test + 2).equals("add %r12,%rdi") && n.get(test + 3).startsWith("call"), n::toString);
        LoadedProgram args5 = load(B.prog().mov64(1, 8).mov64(2, 16).mov64(3, 24).mov64(4, 32).mov64(5, 0)
            .callKfunc(Kfunc.BPF_KFUNC_ARENA_ARGS5_TEST.id).exit());
        assertEquals(4 * kern + 8 + 16 + 24 + 32, run(args5), "four rebased, the nullable fifth NULL");
        List<String> a = listing(args5);
        int first = a.indexOf("mov %edi,%edi");
        assertEquals(List.of("mov %edi,%edi", "add %r12,%rdi", "mov %esi,%esi", "add %r12,%rsi", "mov %edx,%edx", "add %r12,%rdx",
            "mov %ecx,%ecx", "add %r12,%rcx", "mov %r8d,%r8d", "test %r8d,%r8d"), a.subList(first, first + 10));
    }

    private static List<String> listing(LoadedProgram p) {
        return X86Disassembler.disassemble(p.image().code(), 0).stream().map(X86Disassembler.Line::text).toList();
    }

    @Test
    void atomicsOnPopulatedPageFollowArenaAtomicsExpectations() {
        arena.write64(0x20, 10);
        LoadedProgram p = load(B.prog().mov32(1, 0x20).mov64(2, 5)
            .arenaAtomic(Bpf.DW, 1, 2, 0, Bpf.ADD)                // 15
            .arenaAtomic(Bpf.DW, 1, 2, 0, Bpf.ADD | Bpf.FETCH)    // r2 = 15, mem 20
            .mov64(0, 20).mov64(3, 99)
            .arenaAtomic(Bpf.DW, 1, 3, 0, Bpf.CMPXCHG)            // r0 = 20, mem 99
            .alu64(Bpf.ADD, 0, 2).exit());
        assertEquals(35, run(p));
        assertEquals(99, arena.read(0x20, 8));
    }

    @Test
    void castUserOfZeroIsNullAndOtherwiseRebasesToUserVmStart() {
        LoadedProgram p = load(B.prog().castUser(1, 1).castUser(2, 2).alu64(Bpf.ADD, 1, 2).mov64r(0, 1).exit());
        assertEquals(ArenaFixture.USER_VM_START + 0x4242, run(p, 0, 0x4242));
    }

    @Test
    void kfuncCallGoesThroughTheTrampolineWithArgumentsInSysvRegisters() {
        calls.clear();
        LoadedProgram p = load(B.prog().mov64(1, 1).mov64(2, 2).mov64(3, 3).mov64(4, 4).mov64(5, 5)
            .callKfunc(Kfunc.BPF_ARENA_ALLOC_PAGES.id).alu64i(Bpf.ADD, 0, 100).exit());
        assertEquals(115, run(p));
        assertEquals(List.of("KfuncCall[kfunc=BPF_ARENA_ALLOC_PAGES]"), calls);
    }

    @Test
    void kfuncThatRemovesPtesAsksForAKernelTlbFlushBeforeTheProgramContinues() {
        arena.populate(5);
        long page = 5 * 4096L;
        arena.write64(page, 31);
        next = (t, a1, a2, a3, a4, a5) -> {
            machine.kernelPageTable().unmap(ArenaFixture.KERN_VM_START + page);
            return new CallResult(0, true);
        };
        try {
            // load (fills the TLB), call the "free" kfunc, load again: must fault, not read a stale translation
            LoadedProgram p = load(B.prog().mov32(6, (int) page).arenaLdx(Bpf.DW, 7, 6, 0)
                .callKfunc(Kfunc.BPF_ARENA_FREE_PAGES.id).arenaLdx(Bpf.DW, 8, 6, 0)
                .mov64r(0, 7).alu64i(Bpf.LSH, 0, 8).alu64(Bpf.OR, 0, 8).exit());
            assertEquals(31 << 8, run(p));
            assertEquals(1, p.stderr().size());
        } finally {
            next = (t, a1, a2, a3, a4, a5) -> CallResult.of(a1 + a2 + a3 + a4 + a5);
        }
    }

    @Test
    void bpfToBpfCallRunsTheSubprogramWithItsOwnFrame() {
        // main: r1 = 20; call sub; r0 += 1; exit      sub: *(u64 *)(r10 - 8) = r1; r0 = *(u64 *)(r10 - 8); r0 *= 2; exit
        LoadedProgram p = load(B.prog().mov64(1, 20).callLocal(2).alu64i(Bpf.ADD, 0, 1).exit()
            .stx(Bpf.DW, 10, 1, -8).ldx(Bpf.DW, 0, 10, -8).alu64i(Bpf.MUL, 0, 2).exit());
        assertEquals(41, run(p));
    }

    @Test
    void nonArenaKernelFaultIsAnOops() {
        LoadedProgram p = load(B.prog().mov64(1, 0).ldx(Bpf.DW, 0, 1, 0).exit());
        JitRuntime.Outcome o = runtime.run(p, Budget.DEFAULT);
        assertInstanceOf(JitRuntime.Outcome.Failed.class, o);
        assertInstanceOf(RunResult.Delivered.class, ((JitRuntime.Outcome.Failed) o).result());
    }

    @Test
    void divisionByZeroFollowsTheVerifierRewrite() {
        LoadedProgram p = load(B.prog().mov64(0, 7).mov64(1, 0).alu64(Bpf.DIV, 0, 1)     // 0
            .mov64(2, 9).alu64(Bpf.MOD, 2, 1)                                              // 9
            .alu64i(Bpf.LSH, 2, 8).alu64(Bpf.OR, 0, 2).exit());
        assertEquals(9 << 8, run(p));
    }

    @Test
    void reclaimedModuleSpaceRunsTheNewCodeNotAStaleTranslation() {
        // a host write alone keeps the old translation (2.1.4 as 2.0.1, emulator/README.md quirk 4): reclaiming flushes them
        try (Machine own = new Machine()) {
            JitRuntime small = new JitRuntime(own, CallDispatcher.NONE, 2 * 4096);
            for (int i = 0; i < 100; i++) {
                B b = B.prog().mov64(0, i);
                for (int k = 0; k < i % 7; k++) b.alu64i(Bpf.ADD, 0, 0);
                LoadedProgram p = small.load("p" + i, b.exit().build(), JitOptions.PLAIN);
                assertEquals(i, run(small, p));
                small.unload(p);
            }
            assertTrue(small.reclaimCount() > 0, "the area must have been reused");
        }
    }

    private static long run(JitRuntime rt, LoadedProgram p) {
        JitRuntime.Outcome o = rt.run(p, Budget.DEFAULT);
        if (o instanceof JitRuntime.Outcome.Returned r) return r.r0();
        throw new AssertionError("program did not return: " + o);
    }
}
