package dev.arenaemu.kernel.bpf.jit;

import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.emulator.cpu.RunResult;
import dev.arenaemu.emulator.trap.FaultHandler;
import dev.arenaemu.kernel.bpf.interp.ArenaMemory;
import dev.arenaemu.kernel.bpf.interp.BpfInterpreter;
import dev.arenaemu.kernel.bpf.interp.InterpreterException;
import dev.arenaemu.kernel.bpf.interp.KernelMemory;
import dev.arenaemu.kernel.bpf.isa.Bpf;
import dev.arenaemu.kernel.bpf.isa.Insn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The instruction budget of BPF programs ({@link ChargePoints}): where runs are charged, that a
 * run is never charged less than it executed, and that the JIT's image on Unicorn and the
 * reference interpreter stop a runaway program at the same point after the same work.
 */
class ChargePointsTest {
    /**
     * r1 = arena offset, r2 = n. Stores i at the offset and calls a subprogram once per
     * iteration; returns n.
     * <pre>
     * 0: r6 = r1                 5: call sub (9)
     * 1: r8 = 0                  6: goto loop (2)
     * 2: loop: if r8 >= r2 goto 7  7: r0 = r8
     * 3: *(u64 *)(r6 + 0) = r8   8: exit
     * 4: r8 += 1                 9: sub: r0 = 0
     *                           10: exit
     * </pre>
     */
    private static final List<Insn> LOOP_WITH_CALL = List.of(
        new Insn(Bpf.ALU64 | Bpf.MOV | Bpf.X, 6, 1, 0, 0),
        new Insn(Bpf.ALU64 | Bpf.MOV | Bpf.K, 8, 0, 0, 0),
        new Insn(Bpf.JMP | Bpf.JGE | Bpf.X, 8, 2, 4, 0),
        new Insn(Bpf.STX | Bpf.PROBE_MEM32 | Bpf.DW, 6, 8, 0, 0),
        new Insn(Bpf.ALU64 | Bpf.ADD | Bpf.K, 8, 0, 0, 1),
        new Insn(Bpf.JMP | Bpf.CALL, 0, Bpf.PSEUDO_CALL, 0, 3),
        new Insn(Bpf.JMP | Bpf.JA, 0, 0, -5, 0),
        new Insn(Bpf.ALU64 | Bpf.MOV | Bpf.X, 0, 8, 0, 0),
        new Insn(Bpf.JMP | Bpf.EXIT, 0, 0, 0, 0),
        new Insn(Bpf.ALU64 | Bpf.MOV | Bpf.K, 0, 0, 0, 0),
        new Insn(Bpf.JMP | Bpf.EXIT, 0, 0, 0, 0));
    /** Entry 0 (runs 0, 1), loop head 2 (2..6, the call counting once), subprogram 9 (9, 10). */
    private static final int ENTRY = 2, ITERATION = 5 + 2;

    @Test
    void pointsAreFunctionEntriesAndLoopHeadsWeighedByTheLongestRunAfterThem() {
        ChargePoints points = BpfJit.compile(LOOP_WITH_CALL, JitOptions.arena(ArenaFixture.KERN_VM_START, ArenaFixture.USER_VM_START)).charges();
        assertArrayEquals(new int[] {0, 2, 9}, points.insns());
        assertArrayEquals(new long[] {2, 5, 2}, points.weights());
    }

    @Test
    void aLongerBranchSetsTheWeightAndAnLdImm64CountsOnce() {
        // 0: if r1 == 0 goto 4; 1-2: r0 = imm64; 3: r0 += 1; 4: exit
        List<Insn> program = new java.util.ArrayList<>();
        program.add(new Insn(Bpf.JMP | Bpf.JEQ | Bpf.K, 1, 0, 3, 0));
        program.addAll(Insn.ldImm64(0, 0, 1L << 40));
        program.add(new Insn(Bpf.ALU64 | Bpf.ADD | Bpf.K, 0, 0, 0, 1));
        program.add(new Insn(Bpf.JMP | Bpf.EXIT, 0, 0, 0, 0));
        ChargePoints points = ChargePoints.of(program, new int[] {0});
        assertArrayEquals(new int[] {0}, points.insns());
        assertArrayEquals(new long[] {4}, points.weights(), "jeq, ld_imm64, add, exit");
    }

    /** Every cycle goes back to a lower or equal index: a self-loop is its own head. */
    @Test
    void aJumpToItselfIsALoopHead() {
        List<Insn> spin = List.of(new Insn(Bpf.JMP | Bpf.JA, 0, 0, -1, 0));
        ChargePoints points = ChargePoints.of(spin, new int[] {0});
        assertArrayEquals(new int[] {0}, points.insns());
        assertArrayEquals(new long[] {1}, points.weights());
    }

    @Test
    void aRunIsChargedAtLeastWhatItExecuted() {
        BpfInterpreter interp = interpreter(new HashMap<>());
        BpfInterpreter.Result r = interp.run(ENTRY + 1000L * ITERATION + 5, 0x1000, 1000);
        assertEquals(1000, r.r0());
        long executed = r.instructions();
        assertEquals(2 + 1000L * (5 + 2) + 3, executed, "entry, 1000 iterations with the subprogram, the last test, r0 = r8, exit");
        assertTrue(ENTRY + 1001L * 5 + 1000L * 2 >= executed);
    }

    /**
     * The same program and budget, as JIT output on Unicorn and in the interpreter: both stop
     * before the same instruction, after the same number of stores.
     */
    @ParameterizedTest(name = "budget {0}: stops at insn {1} after storing {2}")
    @CsvSource({
        "702, 2, 99",    // 100 iterations cost 702; the 101st loop head overdraws
        "707, 9, 100",   // the 101st loop head fits, the call's subprogram entry overdraws
        "1, 0, -1",      // the entry alone costs 2: nothing runs
    })
    void theJitAndTheInterpreterStopARunawayLoopAtTheSamePoint(long budget, int stopInsn, long lastStored) {
        Map<Long, Long> interpStores = new HashMap<>();
        InterpreterException e = assertThrows(InterpreterException.class, () -> interpreter(interpStores).run(budget, 0x1000, 1_000_000));
        assertEquals("instruction budget exhausted at insn " + stopInsn, e.getMessage());
        assertEquals(lastStored, interpStores.getOrDefault(ArenaFixture.KERN_VM_START + 0x1000, -1L));

        try (Machine machine = new Machine(1)) {
            ArenaFixture arena = new ArenaFixture(machine);
            arena.populate(1);
            arena.write64(0x1000, -1);
            JitRuntime runtime = new JitRuntime(machine, CallDispatcher.NONE);
            runtime.installFaultHandler(FaultHandler.DELIVER_ALL);
            LoadedProgram p = runtime.load("loop_with_call", LOOP_WITH_CALL, arena.options());
            JitRuntime.Outcome o = runtime.run(p, new Budget(budget, 0, 10), 0x1000, 1_000_000);
            RunResult.BudgetExhausted stop = assertInstanceOf(RunResult.BudgetExhausted.class, assertInstanceOf(JitRuntime.Outcome.Failed.class, o).result());
            assertEquals(RunResult.Limit.INSTRUCTIONS, stop.limit());
            assertEquals(p.address() + p.image().insnOffsets()[stopInsn], stop.rip());
            assertEquals(lastStored, arena.read(0x1000, 8));
        }
    }

    @Test
    void anUnloadedProgramIsNoLongerCharged() {
        try (Machine machine = new Machine(1)) {
            ArenaFixture arena = new ArenaFixture(machine);
            arena.populate(1);
            JitRuntime runtime = new JitRuntime(machine, CallDispatcher.NONE);
            LoadedProgram p = runtime.load("loop_with_call", LOOP_WITH_CALL, arena.options());
            assertInstanceOf(JitRuntime.Outcome.Failed.class, runtime.run(p, new Budget(10, 0, 10), 0x1000, 100), "charged while loaded");
            runtime.unload(p);
            // Its bytes are still mapped (space is reclaimed only when the area fills): run them as they are.
            JitRuntime.Outcome o = runtime.run(p, new Budget(10, 0, 10), 0x1000, 100);
            assertEquals(100, assertInstanceOf(JitRuntime.Outcome.Returned.class, o).r0());
        }
    }

    private static BpfInterpreter interpreter(Map<Long, Long> stores) {
        ArenaMemory memory = new ArenaMemory() {
            @Override public boolean present(long k) { return true; }
            @Override public long load(long k, int size) { return stores.getOrDefault(k, 0L); }
            @Override public void store(long k, int size, long v) { stores.put(k, v); }
        };
        return new BpfInterpreter(LOOP_WITH_CALL, JitOptions.arena(ArenaFixture.KERN_VM_START, ArenaFixture.USER_VM_START), memory,
            KernelMemory.NONE, CallDispatcher.NONE, JitRuntime.mainFramePointer());
    }
}
