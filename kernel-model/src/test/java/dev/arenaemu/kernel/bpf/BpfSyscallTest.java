package dev.arenaemu.kernel.bpf;

import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.kernel.Capability;
import dev.arenaemu.kernel.CreateResult;
import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.Kernel;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.arena.Arena;
import dev.arenaemu.kernel.arena.ArenaAttr;
import dev.arenaemu.kernel.bpf.asm.Assembler;
import dev.arenaemu.kernel.mm.Frames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * BPF_PROG_LOAD and BPF_PROG_TEST_RUN through {@link BpfSyscall}: verifier with the kernel's era
 * and capabilities, JIT with the bound arena, kfuncs through {@code ArenaKfuncs}, the kernel CPU's
 * fault dispatch. Programs are assembler text; the arena sits at map_extra = 1 << 44 so no user
 * process is needed (libbpf's side is tested in user-model).
 */
class BpfSyscallTest {
    static final long BASE = 1L << 44;
    /** The smallest program that names the arena: it loads the map and returns 0. */
    static final String USES_ARENA = "r1 = map[arena] ll\nr0 = 0\nexit";
    /** {@link BpfTestPrograms#ALLOC_ONE_PAGE}, keeping the page's address in r6 too. */
    static final String ALLOC = BpfTestPrograms.ALLOC_ONE_PAGE + "r6 = r0\n";

    private Machine machine;
    private Kernel kernel;
    private BpfSyscall bpf;

    private BpfSyscall boot(KernelEra era, Set<Capability> caps) {
        machine = new Machine();
        kernel = new Kernel(machine, era, 1L << 30, caps.isEmpty() ? EnumSet.noneOf(Capability.class) : EnumSet.copyOf(caps));
        return bpf = new BpfSyscall(kernel);
    }

    private BpfSyscall boot(KernelEra era) {
        return boot(era, EnumSet.allOf(Capability.class));
    }

    @AfterEach
    void close() {
        if (machine != null) machine.close();
    }

    private BpfMap.ArenaMap arena(long pages, long mapExtra) {
        return (BpfMap.ArenaMap) bpf.mapCreateArena("arena", ArenaAttr.of(pages, 0, mapExtra)).orThrow();
    }

    private ProgLoadResult load(String section, String asm, Map<String, BpfMap> maps) {
        return bpf.progLoad(Assembler.assemble("p", section, asm), maps, ProgLoadAttr.DEFAULT);
    }

    private BpfProg loadOk(String asm, Map<String, BpfMap> maps) {
        return load("syscall", asm, maps).orThrow();
    }

    /** Loading {@link #USES_ARENA} with this arena is refused with that errno and that log. */
    private void assertUsingArenaRefused(BpfMap a, Errno errno, String log) {
        ProgLoadResult.Rejected r = rejected(load("syscall", USES_ARENA, Map.of("arena", a)));
        assertEquals(errno, r.errno());
        assertEquals(log, r.log());
    }

    private static ProgLoadResult.Rejected rejected(ProgLoadResult r) {
        return assertInstanceOf(ProgLoadResult.Rejected.class, r, r::toString);
    }

    private static List<String> firstLines(TestRunResult r) {
        return r.stderr().stream().map(l -> l.lines().findFirst().orElseThrow()).toList();
    }

    // ---- catalogue 22–27: load-time refusals through BPF_PROG_LOAD ------------------------------

    @Test
    void scenario22_arenaWithoutUserAddressIsEinval() {
        boot(KernelEra.LATEST);
        BpfMap a = arena(4, 0);
        assertUsingArenaRefused(a, Errno.EINVAL, "arena's user address must be set via map_extra or mmap()");
    }

    @Test
    void scenario23_twoArenasInOneProgramIsEbusy() {
        boot(KernelEra.LATEST);
        BpfMap a = arena(4, BASE);
        BpfMap b = bpf.mapCreateArena("arena2", ArenaAttr.of(4, 0, 2 * BASE)).orThrow();
        ProgLoadResult.Rejected r = rejected(load("syscall", "r1 = map[arena] ll\nr2 = map[arena2] ll\nr0 = 0\nexit",
            Map.of("arena", a, "arena2", b)));
        assertEquals(Errno.EBUSY, r.errno());
        assertEquals(2, r.insnIndex());
    }

    @Test
    void scenario24_withoutCapPerfmonLoadingAnArenaProgramIsEperm() {
        boot(KernelEra.V6_13, EnumSet.of(Capability.CAP_BPF));
        BpfMap a = arena(4, BASE);
        assertUsingArenaRefused(a, Errno.EPERM, "CAP_BPF and CAP_PERFMON are required to use arena");
    }

    @Test
    void scenario25_castWithBadAddressSpaceOrWithoutArenaIsEinval() {
        refusedOnFourPageArena(KernelEra.LATEST, "syscall", ALLOC + "r2 = addr_space_cast(r6, 0x0, 0x2)\nr0 = 0\nexit", Errno.EINVAL,
            "addr_space_cast insn can only convert between address space 1 and 0");
        ProgLoadResult.Rejected none = rejected(load("syscall", "r1 = 0\nr1 = addr_space_cast(r1, 0x0, 0x1)\nr0 = 0\nexit", Map.of()));
        assertEquals(Errno.EINVAL, none.errno());
    }

    @Test
    void scenario26_arenaProgramWithJitOffIsEopnotsupp() {
        boot(KernelEra.LATEST);
        BpfMap a = arena(4, BASE);
        ProgLoadResult r = bpf.progLoad(Assembler.assemble("p", "syscall", USES_ARENA), Map.of("arena", a),
            new ProgLoadAttr(false));
        assertEquals(Errno.EOPNOTSUPP, rejected(r).errno());
        assertEquals("JIT is required to use arena", rejected(r).log());
    }

    @Test
    void scenario27_fetchAndOnArenaIsRejectedWhileTheNonFetchFormLoadsAndRuns() {
        BpfMap a = refusedOnFourPageArena(KernelEra.V6_13, "syscall", ALLOC + "r2 = 0x10\nr2 = atomic_fetch_and((u64 *)(r1 + 0x0), r2)\nr0 = 0\nexit", Errno.EACCES,
            "BPF_ATOMIC stores into R1 arena is not allowed");
        BpfProg ok = loadOk(ALLOC + "r2 = 0x1f\n*(u64 *)(r1 + 0x0) = r2\nr2 = 0x11\nlock *(u64 *)(r1 + 0x0) &= r2\nr0 = *(u64 *)(r1 + 0x0)\nexit",
            Map.of("arena", a));
        assertEquals(0x11, bpf.progTestRun(ok).r0());
    }

    @Test
    void directValueAddressesComeFromTheArenaItself_e5RefusesTheEnd() {
        boot(KernelEra.LATEST);
        BpfMap a = arena(4, BASE);
        String atEnd = "r1 = map_value[arena + 0x4000] ll\nr0 = 0\nexit";
        ProgLoadResult.Rejected r = rejected(load("syscall", atEnd, Map.of("arena", a)));
        assertEquals(Errno.ERANGE, r.errno());
        BpfProg p = loadOk("r1 = map_value[arena + 0x3ff8] ll\nr1 = addr_space_cast(r1, 0x0, 0x1)\nr0 = *(u64 *)(r1 + 0x0)\nexit",
            Map.of("arena", a));
        assertEquals(0, bpf.progTestRun(p).r0(), "global at the last 8 bytes: unpopulated, fixed up to 0");
        assertEquals(List.of("ERROR: Arena READ access at unmapped address 0x100000003ff8"), firstLines(bpf.progTestRun(p)));
    }

    @Test
    void directValueAtTheArenaEndLoadsBeforeE5() {
        boot(KernelEra.V7_0);
        BpfMap a = arena(4, BASE);
        assertInstanceOf(ProgLoadResult.Loaded.class, load("syscall", "r1 = map_value[arena + 0x4000] ll\nr0 = 0\nexit", Map.of("arena", a)));
    }

    @Test
    void withJitOffAProgramWithoutArenaRunsInTheInterpreterOnTheSameKernelMemory() {
        boot(KernelEra.LATEST);
        BpfMap.ArrayMap bss = (BpfMap.ArrayMap) bpf.mapCreateArray(".bss", 16, 0, le64(21)).orThrow();
        String asm = "r1 = map_value[.bss + 0x0] ll\nr0 = *(u64 *)(r1 + 0x0)\nr0 *= 2\n*(u64 *)(r1 + 0x8) = r0\nexit";
        BpfProg interpreted = bpf.progLoad(Assembler.assemble("p", "syscall", asm), Map.of(".bss", bss), new ProgLoadAttr(false)).orThrow();
        BpfProg jited = loadOk(asm, Map.of(".bss", bss));
        assertTrue(interpreted.jited().isEmpty());
        assertTrue(jited.jited().isPresent());
        assertEquals(42, bpf.progTestRun(interpreted).r0());
        assertEquals(42, ByteBuffer.wrap(bpf.mapLookupElem(bss)).order(ByteOrder.LITTLE_ENDIAN).getLong(8));
        assertEquals(0, bpf.mapUpdateElem(bss, le128(50, 0)));
        assertEquals(100, bpf.progTestRun(jited).r0());
        assertEquals(100, bpf.progTestRun(interpreted).r0());
    }

    /**
     * Map structs and array values are kmalloc/vmalloc memory on a real kernel, never in the top
     * 2 GiB, so emit_mov_imm64 gives their ld_imm64 the 10-byte movabs (what the 6.12, 7.0 and
     * 7.3 images read back by the oracle show): here they live in the direct map too, and the
     * program that reads through the address still runs.
     */
    @Test
    void mapAddressesAreDirectMapAddressesLoadedWithMovabs() {
        boot(KernelEra.LATEST);
        BpfMap.ArrayMap bss = (BpfMap.ArrayMap) bpf.mapCreateArray(".bss", 16, 0, le64(21)).orThrow();
        assertEquals(0xFFFF_8880_0000_0000L, bss.objectAddress() & 0xFFFF_FFFF_0000_0000L, Long.toHexString(bss.objectAddress()));
        BpfProg p = loadOk("r1 = map_value[.bss + 0x0] ll\nr0 = *(u64 *)(r1 + 0x0)\nexit", Map.of(".bss", bss));
        String code = java.util.HexFormat.of().formatHex(p.jited().orElseThrow().image().code());
        assertTrue(code.contains("48bf") && code.contains("8088ffff"), "movabs rdi, 0xffff8880........: " + code);
        assertEquals(21, bpf.progTestRun(p).r0());
    }

    // ---- catalogue 57–60 through the load path -------------------------------------------------

    @Test
    void scenario57_castKernKeepsTheLow32BitsAndReadsThroughKernVmStart() {
        boot(KernelEra.LATEST);
        BpfMap.ArenaMap a = arena(1 << 20, BASE);
        Arena arena = a.arena();
        assertEquals(BASE + 0x8000_1000L, arena.allocPages(BASE + 0x8000_1000L, 1, -1, 0));
        bpf.runtime().cpu().write(arena.kernVmStart() + 0x8000_1000L, le64(0x1122_3344_5566_7788L));
        BpfProg p = loadOk("r1 = map[arena] ll\nr2 = 0x7f0080001000 ll\nr2 = addr_space_cast(r2, 0x0, 0x1)\nr0 = *(u64 *)(r2 + 0x0)\nexit",
            Map.of("arena", a));
        assertEquals(0x1122_3344_5566_7788L, bpf.progTestRun(p).r0());
    }

    /**
     * Boots {@code era}, creates a 4-page arena at {@link #BASE} and checks that loading
     * {@code program} (of {@code type}) against it fails with {@code errno} and {@code log}; returns the arena.
     */
    private BpfMap refusedOnFourPageArena(KernelEra era, String type, String program, Errno errno, String log) {
        boot(era);
        BpfMap a = arena(4, BASE);
        ProgLoadResult.Rejected r = rejected(load(type, program, Map.of("arena", a)));
        assertEquals(errno, r.errno());
        assertEquals(log, r.log());
        return a;
    }

    /** Boots {@code era}, creates a 4-page arena at {@link #BASE}, loads {@code program} against it and test-runs it. */
    private TestRunResult runOnFourPageArena(KernelEra era, String program) {
        boot(era);
        BpfMap a = arena(4, BASE);
        return bpf.progTestRun(loadOk(program, Map.of("arena", a)));
    }

    @Test
    void scenario58_guardHitsLoadZeroAndReportTheUserAddress() {
        TestRunResult r = runOnFourPageArena(KernelEra.LATEST, """
            r1 = map[arena] ll
            r2 = 0
            r2 = addr_space_cast(r2, 0x0, 0x1)
            r0 = -1
            r0 = *(u64 *)(r2 - 0x8)
            r3 = 0xfffffff0 ll
            r3 = addr_space_cast(r3, 0x0, 0x1)
            r4 = -1
            r4 = *(u64 *)(r3 + 0x20)
            r0 |= r4
            exit
            """);
        assertEquals(0, r.r0(), "both destination registers zeroed, all 64 bits");
        assertEquals(List.of("ERROR: Arena READ access at unmapped address 0xffffffffff8",
            "ERROR: Arena READ access at unmapped address 0x100100000010"), firstLines(r));
    }

    private TestRunResult storeToUnpopulatedPage(KernelEra era) {
        boot(era);
        BpfMap.ArenaMap a = arena(4, BASE);
        BpfProg p = loadOk("r1 = map[arena] ll\nr2 = 0x2000\nr2 = addr_space_cast(r2, 0x0, 0x1)\nr3 = 7\n*(u32 *)(r2 + 0x0) = r3\nr0 = r3\nexit",
            Map.of("arena", a));
        TestRunResult r = bpf.progTestRun(p);
        assertEquals(7, r.r0());
        assertEquals(0, a.arena().populatedPages());
        return r;
    }

    @ParameterizedTest
    @EnumSource(value = KernelEra.class, names = {"V7_0", "LATEST"})
    void scenario59_v618_storeToAnUnpopulatedPageIsSkippedAndReported(KernelEra era) {
        TestRunResult r = storeToUnpopulatedPage(era);
        assertEquals(List.of("ERROR: Arena WRITE access at unmapped address 0x100000002000"), firstLines(r));
    }

    @Test
    void scenario59_v613_storeToAnUnpopulatedPageIsSkippedSilently() {
        // bpf_prog_report_arena_violation arrived in v6.18 (docs/semantics.md#exception-table,
        // #era-differences): v6.13's ex_handler_bpf only fixes up
        TestRunResult r = storeToUnpopulatedPage(KernelEra.V6_13);
        assertEquals(List.of(), r.stderr());
    }

    /**
     * Catalogue 60 through BPF_PROG_LOAD and BPF_PROG_TEST_RUN: a faulting fetch_add and cmpxchg
     * keep their registers up to E4 (ex_handler_bpf with a DONT_CLEAR entry, as 7.0.13 shows) and
     * have them zeroed in E5 (as 7.3.4 shows); both report to stderr either way.
     */
    @ParameterizedTest
    @EnumSource(value = KernelEra.class, names = {"V7_0", "V7_0_STABLE", "LATEST"})
    void scenario60_faultingAtomicsKeepTheirRegistersUntilE5(KernelEra era) {
        TestRunResult r = runOnFourPageArena(era, """
            r1 = map[arena] ll
            r1 = 0x3000
            r1 = addr_space_cast(r1, 0x0, 0x1)
            r2 = 9
            r0 = 4
            r2 = atomic_fetch_add((u64 *)(r1 + 0x0), r2)
            r3 = 5
            r0 = cmpxchg_64(r1 + 0x0, r0, r3)
            r0 <<= 8
            r0 |= r2
            exit
            """);
        assertEquals(era.atomicFaultClearsFetchRegister() ? 0 : 4 << 8 | 9, r.r0());
        assertEquals(2, r.stderr().size());
    }

    @Test
    void aRunThatExhaustsItsBudgetIsStoppedNotReturned() {
        boot(KernelEra.LATEST);
        BpfProg p = loadOk("r0 = 1\nloop:\nr0 += 1\nif r0 != 0x0 goto loop\nexit", Map.of());
        TestRunResult r = bpf.progTestRun(p, new Budget(10_000, 0, 100));
        TestRunResult.Stopped stopped = assertInstanceOf(TestRunResult.Stopped.class, r);
        assertTrue(stopped.reason().contains("INSTRUCTIONS"), stopped.reason());
        assertThrows(IllegalStateException.class, r::r0);
    }

    // ---- kfuncs --------------------------------------------------------------------------------

    /**
     * bpf_spin_lock / bpf_spin_unlock (__bpf_spin_lock_irqsave / __bpf_spin_unlock_irqrestore) on
     * a map value whose BTF record has the lock at 8: the helpers take and release the lock word;
     * copy_map_value leaves the word alone on BPF_MAP_UPDATE_ELEM and the lookup copy shows it as 0
     * (check_and_init_map_value); a lock in a BPF_F_RDONLY_PROG map is -EACCES (map_check_btf). In
     * E5 an arena free under the lock is bpf_arena_free_pages_non_sleepable: deferred to the work.
     */
    @Test
    void spinLockHelpersAndTheMapSyscallsAroundTheLockWord() {
        boot(KernelEra.LATEST);
        BpfMap.ArenaMap a = arena(4, BASE);
        BpfMap.ArrayMap locks = (BpfMap.ArrayMap) bpf.mapCreateArray(".bss.locks", 16, 0, new byte[0], 8).orThrow();
        assertInstanceOf(CreateResult.Failed.class, bpf.mapCreateArray(".rodata", 16, 1L << 8, new byte[0], 8));
        BpfProg p = loadOk(ALLOC + """
            r6 = r0
            r1 = map_value[.bss.locks + 0x8] ll
            call 93
            r1 = map[arena] ll
            r2 = r6
            r3 = 1
            call bpf_arena_free_pages
            r1 = map_value[.bss.locks + 0x8] ll
            call 94
            r0 = r6
            exit
            """, Map.of("arena", a, ".bss.locks", locks));
        assertEquals(BASE, bpf.progTestRun(p).r0());
        assertEquals(1, a.arena().populatedPages(), "the free under the lock is deferred");
        assertArrayEquals(new byte[4], bpf.runtime().readKernel(locks.valueAddress() + 8, 4), "released");

        bpf.runtime().cpu().write(locks.valueAddress() + 8, le64(1));   // as if held
        byte[] ones = new byte[16];
        java.util.Arrays.fill(ones, (byte) 0xFF);
        assertEquals(0, bpf.mapUpdateElem(locks, ones));
        assertArrayEquals(new byte[] {1, 0, 0, 0}, bpf.runtime().readKernel(locks.valueAddress() + 8, 4), "update skips the lock word");
        byte[] seen = bpf.mapLookupElem(locks);
        assertEquals((byte) 0xFF, seen[7]);
        assertArrayEquals(new byte[4], java.util.Arrays.copyOfRange(seen, 8, 12), "lookup shows the lock word as 0");
        assertEquals((byte) 0xFF, seen[12]);
    }

    /**
     * The test module's bpf_kfunc_arena_arg_test as kernel code (E5): it reads and increments the
     * u64 behind its rebased __arena argument; on an unpopulated page the kernel fault has no
     * exception-table entry, so bpf_arena_handle_page_fault installs the scratch page, the access
     * is reported and retried (upstream arena_kfunc.c arena_arg_forms, arena_arg_unpopulated).
     */
    @Test
    void arenaArgumentKfuncReadsThroughTheRebasedAddressAndRecoversOnTheScratchPage() {
        boot(KernelEra.LATEST);
        BpfMap.ArenaMap a = arena(4, BASE);
        BpfProg p = loadOk(ALLOC + """
            *(u64 *)(r1 + 0) = 41
            call bpf_kfunc_arena_arg_test
            r7 = r0
            r1 = addr_space_cast(r6, 0x0, 0x1)
            r0 = *(u64 *)(r1 + 0)
            r0 <<= 8
            r0 |= r7
            exit
            """, Map.of("arena", a));
        assertEquals(42 << 8 | 41, bpf.progTestRun(p).r0(), "returned 41, left 42");
        BpfProg q = loadOk("r1 = map[arena] ll\nr1 = 0x3008\ncall bpf_kfunc_arena_arg_test\nexit", Map.of("arena", a));
        TestRunResult r = bpf.progTestRun(q);
        assertEquals(0, r.r0(), "the scratch page reads 0");
        assertEquals(List.of("ERROR: Arena READ access at unmapped address 0x100000003008"), firstLines(r));
        assertEquals(a.arena().scratchPage(), a.arena().kernVm().pageAt(a.arena().kernVmStart() + 0x3000));
    }

    /**
     * A bpf_map iterator loads (its context's trusted map goes to the arena kfunc), but
     * BPF_PROG_TEST_RUN has no run for BPF_TRACE_ITER (bpf_prog_test_run_tracing: -ENOTSUPP), so
     * nothing runs and no page is allocated.
     */
    @Test
    void iteratorLoadsButTestRunIsNotSupported() {
        boot(KernelEra.V6_9);
        BpfMap.ArenaMap a = arena(2, BASE);
        BpfProg p = load("iter.s/bpf_map", """
            r1 = *(u64 *)(r1 + 8)
            if r1 == 0 goto +5
            r3 = *(u32 *)(r1 + 36)
            r2 = 0
            w4 = -1
            r5 = 0
            call bpf_arena_alloc_pages
            w0 = 0
            exit
            """, Map.of()).orThrow();
        assertEquals(new TestRunResult.Refused(Errno.ENOTSUPP, List.of()), bpf.progTestRun(p));
        assertEquals(0, a.arena().populatedPages());
    }

    @Test
    void kfuncsOnANonArenaMapReturnNullDoNothingAndEinval() {
        boot(KernelEra.LATEST);
        BpfMap.ArenaMap a = arena(4, BASE);
        BpfMap other = bpf.mapCreateArray("other", 16, 0, new byte[0]).orThrow();
        BpfProg p = loadOk("""
            r1 = map[arena] ll
            r1 = map[other] ll
            r2 = 0
            r3 = 1
            r4 = -1
            r5 = 0
            call bpf_arena_alloc_pages
            r6 = r0
            r1 = map[other] ll
            r2 = 0x100000000000 ll
            r3 = 1
            call bpf_arena_free_pages
            r1 = map[other] ll
            r2 = 0x100000000000 ll
            r3 = 1
            call bpf_arena_reserve_pages
            r0 <<= 8
            r0 |= r6
            exit
            """, Map.of("arena", a, "other", other));
        assertEquals((long) Errno.EINVAL.neg() << 8, bpf.progTestRun(p).r0(), "alloc NULL, reserve -EINVAL");
        assertEquals(0, a.arena().populatedPages());
    }

    @Test
    void sleepableFreeFlushesTheTlbBeforeTheProgramReadsThePageAgain() {
        boot(KernelEra.V6_13);
        BpfMap.ArenaMap a = arena(4, BASE);
        BpfProg p = loadOk(ALLOC + """
            r7 = 42
            *(u64 *)(r1 + 0x0) = r7
            r7 = *(u64 *)(r1 + 0x0)
            r8 = r1
            r1 = map[arena] ll
            r2 = r6
            r3 = 1
            call bpf_arena_free_pages
            r0 = *(u64 *)(r8 + 0x0)
            r0 += r7
            exit
            """, Map.of("arena", a));
        TestRunResult r = bpf.progTestRun(p);
        assertEquals(42, r.r0(), "42 read before the free, 0 (fixed up) after it");
        assertEquals(List.of(), r.stderr(), "v6.13 fixes the read up without a report");
        assertEquals(0, a.arena().populatedPages());
    }

    @Test
    void e4_socketProgramGetsTheNonSleepableKfuncsAndItsFreeIsDeferred() {
        boot(KernelEra.V7_0);
        BpfMap.ArenaMap a = arena(4, BASE);
        String prog = ALLOC + "r7 = 5\n*(u64 *)(r1 + 0x0) = r7\nr1 = map[arena] ll\nr2 = r6\nr3 = 1\ncall bpf_arena_free_pages\nr0 = 0\nexit";
        BpfProg p = load("socket", prog, Map.of("arena", a)).orThrow();
        assertFalse(p.sleepable());
        assertEquals(0, bpf.progTestRun(p).r0());
        assertEquals(1, a.arena().pendingFreeSpans(), "bpf_arena_free_pages_non_sleepable only queued the span");
        assertEquals(1, a.arena().populatedPages());
        kernel.runPendingWork();
        assertEquals(0, a.arena().populatedPages());
    }

    @Test
    void beforeE4_aSocketProgramCannotCallArenaKfuncs() {
        refusedOnFourPageArena(KernelEra.V6_13, "socket", ALLOC + "r0 = 0\nexit", Errno.EACCES,
            "program must be sleepable to call sleepable kfunc bpf_arena_alloc_pages");
    }

    // ---- kernel fault dispatch -----------------------------------------------------------------

    /** mov rax, [rdi] ; ret — a kernel routine reading memory a program handed it. */
    private long readStub() {
        return machine.stubs().kernel(new byte[] {0x48, (byte) 0x8b, 0x07, (byte) 0xc3}).address();
    }

    /** What {@link #readStub()} gave, called for a loaded program using a 4-page arena at {@link #BASE}, on kern_vm_start + offset. */
    private record KernelRead(BpfMap.ArenaMap arena, long stub, long addr, TestRunResult result) {}

    private KernelRead kernelReadInArena(KernelEra era, long offset) {
        boot(era);
        BpfMap.ArenaMap a = arena(4, BASE);
        BpfProg p = loadOk(USES_ARENA, Map.of("arena", a));
        long addr = a.arena().kernVmStart() + offset;
        long stub = readStub();
        return new KernelRead(a, stub, addr, bpf.callKernelFunction(p, stub, Budget.DEFAULT, addr));
    }

    @Test
    void e5_kernelFaultInTheArenaRangeGetsTheScratchPageAndIsReported() {
        KernelRead k = kernelReadInArena(KernelEra.LATEST, 0x3000);
        assertEquals(0, k.result().r0(), "the retried read sees the zeroed scratch page");
        assertEquals(List.of("ERROR: Arena READ access at unmapped address 0x100000003000"), firstLines(k.result()));
        assertEquals(k.arena().arena().scratchPage(), k.arena().arena().kernVm().pageAt(k.addr()));
        assertNotEquals(Frames.NO_PAGE, k.arena().arena().scratchPage());
    }

    @Test
    void e3_kernelFaultInTheArenaRangeIsAnOopsNamingAddressAndRip() {
        KernelRead k = kernelReadInArena(KernelEra.V6_13, 0x3000);
        TestRunResult.Oops oops = assertInstanceOf(TestRunResult.Oops.class, k.result());
        assertEquals(k.addr(), oops.address());
        assertEquals(k.stub(), oops.rip());
        assertFalse(oops.write());
        assertTrue(oops.toString().startsWith("BUG: unable to handle page fault for address: 0x"), oops.toString());
    }

    @Test
    void e5_kernelFaultOutsideTheArenaIsStillAnOops() {
        KernelRead k = kernelReadInArena(KernelEra.LATEST, Arena.SZ_4G + Arena.GUARD_SZ / 2 + 0x1000);   // past the recovery window
        assertEquals(k.addr(), assertInstanceOf(TestRunResult.Oops.class, k.result()).address());
    }

    // ---- lifetime ------------------------------------------------------------------------------

    @Test
    void scenario68_programReferenceKeepsTheArenaAfterTheFdIsClosed() {
        boot(KernelEra.LATEST);
        BpfMap.ArenaMap a = arena(4, BASE);
        long framesBefore = kernel.frames().used();
        BpfProg p = loadOk(ALLOC + "r0 = r6\nexit", Map.of("arena", a));
        bpf.mapRelease(a);
        assertFalse(a.isFreed());
        assertEquals(BASE, bpf.progTestRun(p).r0(), "alloc still works with the original base");
        assertEquals(BASE + 4096, bpf.progTestRun(p).r0());
        bpf.progRelease(p);
        assertTrue(a.isFreed());
        assertTrue(a.arena().isFreed(), "arena_map_free ran with the last reference");
        assertTrue(kernel.frames().used() < framesBefore, "the populated pages and the arena's own pages went back");
        assertTrue(bpf.maps().isEmpty());
    }

    private static byte[] le128(long lo, long hi) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(lo).putLong(hi).array();
    }

    private static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }
}
