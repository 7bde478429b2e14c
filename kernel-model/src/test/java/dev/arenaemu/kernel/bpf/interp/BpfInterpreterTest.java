package dev.arenaemu.kernel.bpf.interp;

import dev.arenaemu.kernel.bpf.isa.Bpf;
import dev.arenaemu.kernel.bpf.isa.Insn;
import dev.arenaemu.kernel.bpf.jit.CallDispatcher;
import dev.arenaemu.kernel.bpf.jit.CallResult;
import dev.arenaemu.kernel.bpf.jit.JitOptions;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * RFC 9669 semantics with the kernel's division rewrites and the JIT's arena fault behaviour
 * (docs/semantics.md#exception-table).
 */
class BpfInterpreterTest {
    private static final long KERN = 0xFFFF_C900_0000_8000L, USER = 0x1000_0000_0000L, FP = 0xFFFF_FFFF_8101_0000L;

    /** Page 0 of the arena is present, everything else absent. */
    private static final class OnePage implements ArenaMemory {
        final Map<Long, Long> words = new HashMap<>();
        @Override public boolean present(long k) { return k >= KERN && k < KERN + 4096; }
        @Override public long load(long k, int size) { return words.getOrDefault(k, 0L); }
        @Override public void store(long k, int size, long value) { words.put(k, value); }
    }

    private static Insn i(int opcode, int dst, int src, int off, int imm) { return new Insn(opcode, dst, src, off, imm); }
    private static final Insn EXIT = i(Bpf.JMP | Bpf.EXIT, 0, 0, 0, 0);

    private static BpfInterpreter interp(List<Insn> program, ArenaMemory arena, CallDispatcher calls) {
        return new BpfInterpreter(program, JitOptions.arena(KERN, USER), arena, KernelMemory.NONE, calls, FP);
    }

    private static long run(Insn... program) {
        return interp(List.of(program), new OnePage(), CallDispatcher.NONE).run(1000).r0();
    }

    @Test
    void unsignedDivisionByZeroGivesZero() {
        assertEquals(0, run(i(Bpf.ALU64 | Bpf.MOV | Bpf.K, 0, 0, 0, 7), i(Bpf.ALU64 | Bpf.DIV | Bpf.X, 0, 1, 0, 0), EXIT));
    }

    @Test
    void modulo32ByZeroKeepsTheZeroExtendedDividend() {
        assertEquals(0xFFFF_FFFFL, run(i(Bpf.ALU64 | Bpf.MOV | Bpf.K, 0, 0, 0, -1), i(Bpf.ALU | Bpf.MOD | Bpf.X, 0, 1, 0, 0), EXIT));
    }

    @Test
    void signedDivisionOfLongMinByMinusOneIsLongMin() {
        assertEquals(Long.MIN_VALUE, run(i(Bpf.LD | Bpf.IMM | Bpf.DW, 0, 0, 0, 0), i(0, 0, 0, 0, Integer.MIN_VALUE),
            i(Bpf.ALU64 | Bpf.DIV | Bpf.K, 0, 0, 1, -1), EXIT));
    }

    @Test
    void signedModuloByMinusOneIsZero() {
        assertEquals(0, run(i(Bpf.ALU64 | Bpf.MOV | Bpf.K, 0, 0, 0, -7), i(Bpf.ALU64 | Bpf.MOV | Bpf.K, 1, 0, 0, -1),
            i(Bpf.ALU64 | Bpf.MOD | Bpf.X, 0, 1, 1, 0), EXIT));
    }

    @Test
    void le64IsANoOpOnAllBits() {
        assertEquals(-1L, run(i(Bpf.ALU64 | Bpf.MOV | Bpf.K, 0, 0, 0, -1), i(Bpf.ALU | Bpf.END | Bpf.K, 0, 0, 0, 64), EXIT));
    }

    /**
     * Catalogue 60 on the interpreter, as the JIT's exception table does it (ex_handler_bpf):
     * fetch_add (r2 = 9) then cmpxchg (r0 = 4) on the absent page 1, returning r0 << 8 | r2. Up to
     * E4 both registers keep their values; E5 zeroes the fetch register of each (the real 7.3.4
     * kernel, selftests/bpf progs/stream.c stream_arena_xchg_fault). Both report WRITE.
     */
    @Test
    void scenario60_faultingAtomicsKeepTheirRegistersUntilE5ZeroesThem() {
        List<Insn> program = List.of(i(Bpf.ALU | Bpf.MOV | Bpf.K, 1, 0, 0, 4096), i(Bpf.ALU64 | Bpf.MOV | Bpf.K, 2, 0, 0, 9),
            i(Bpf.ALU64 | Bpf.MOV | Bpf.K, 0, 0, 0, 4),
            i(Bpf.STX | Bpf.PROBE_ATOMIC | Bpf.DW, 1, 2, 0, Bpf.ADD | Bpf.FETCH),
            i(Bpf.STX | Bpf.PROBE_ATOMIC | Bpf.DW, 1, 2, 0, Bpf.CMPXCHG),
            i(Bpf.ALU64 | Bpf.LSH | Bpf.K, 0, 0, 0, 8), i(Bpf.ALU64 | Bpf.OR | Bpf.X, 0, 2, 0, 0), EXIT);
        List<String> writes = List.of("ERROR: Arena WRITE access at unmapped address 0x100000001000",
            "ERROR: Arena WRITE access at unmapped address 0x100000001000");
        for (dev.arenaemu.kernel.KernelEra era : dev.arenaemu.kernel.KernelEra.values()) {
            BpfInterpreter in = new BpfInterpreter(program, JitOptions.arena(KERN, USER).withEra(era), new OnePage(), KernelMemory.NONE, CallDispatcher.NONE, FP);
            assertEquals(era.atomicFaultClearsFetchRegister() ? 0 : 4 << 8 | 9, in.run(100).r0(), era.label());
            assertEquals(writes, in.stderr(), era.label());
        }
        assertTrue(dev.arenaemu.kernel.KernelEra.LATEST.atomicFaultClearsFetchRegister());
        assertFalse(dev.arenaemu.kernel.KernelEra.V7_0_STABLE.atomicFaultClearsFetchRegister());
    }

    @Test
    void scenario58_arenaLoadFromGuardZeroesTheDestinationAndReports() {
        BpfInterpreter in = interp(List.of(i(Bpf.ALU64 | Bpf.MOV | Bpf.K, 0, 0, 0, 5), i(Bpf.ALU | Bpf.MOV | Bpf.K, 1, 0, 0, 0),
            i(Bpf.LDX | Bpf.PROBE_MEM32 | Bpf.DW, 0, 1, -8, 0), EXIT), new OnePage(), CallDispatcher.NONE);
        assertEquals(0, in.run(100).r0());
        assertEquals(List.of("ERROR: Arena READ access at unmapped address 0xffffffffff8"), in.stderr());
    }

    @Test
    void scenario58_beforeV618TheGuardLoadIsFixedUpWithoutAReport() {
        JitOptions v613 = JitOptions.arena(KERN, USER).withArenaFaultReports(dev.arenaemu.kernel.KernelEra.V6_13.reportsArenaFaults());
        BpfInterpreter in = new BpfInterpreter(List.of(i(Bpf.ALU64 | Bpf.MOV | Bpf.K, 0, 0, 0, 5), i(Bpf.ALU | Bpf.MOV | Bpf.K, 1, 0, 0, 0),
            i(Bpf.LDX | Bpf.PROBE_MEM32 | Bpf.DW, 0, 1, -8, 0), EXIT), v613, new OnePage(), KernelMemory.NONE, CallDispatcher.NONE, FP);
        assertEquals(0, in.run(100).r0());
        assertEquals(List.of(), in.stderr());
    }

    @Test
    void scenario59_arenaStoreToAbsentPageIsDroppedAndReportsWrite() {
        OnePage arena = new OnePage();
        BpfInterpreter in = interp(List.of(i(Bpf.ALU | Bpf.MOV | Bpf.K, 1, 0, 0, 0x2000),
            i(Bpf.ST | Bpf.PROBE_MEM32 | Bpf.W, 1, 0, 0, 1), i(Bpf.ALU64 | Bpf.MOV | Bpf.K, 0, 0, 0, 3), EXIT), arena, CallDispatcher.NONE);
        assertEquals(3, in.run(100).r0());
        assertTrue(arena.words.isEmpty());
        assertEquals(List.of("ERROR: Arena WRITE access at unmapped address 0x100000002000"), in.stderr());
    }

    @Test
    void helperCallPassesR1ToR5AndSetsR0() {
        Insn[] program = {i(Bpf.ALU64 | Bpf.MOV | Bpf.K, 1, 0, 0, 2), i(Bpf.ALU64 | Bpf.MOV | Bpf.K, 5, 0, 0, 40),
            i(Bpf.JMP | Bpf.CALL, 0, 0, 0, 99), EXIT};
        CallDispatcher sum = (t, a1, a2, a3, a4, a5) -> CallResult.of(a1 + a5);
        assertEquals(42, interp(List.of(program), new OnePage(), sum).run(100).r0());
    }

    @Test
    void instructionBudgetStopsARunawayProgram() {
        Insn[] loop = {i(Bpf.JMP | Bpf.JA, 0, 0, -1, 0), EXIT};
        InterpreterException e = assertThrows(InterpreterException.class, () -> interp(List.of(loop), new OnePage(), CallDispatcher.NONE).run(50));
        assertTrue(e.getMessage().contains("budget"), e.getMessage());
    }
}
