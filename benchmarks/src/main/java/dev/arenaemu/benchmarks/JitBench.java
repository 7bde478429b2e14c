package dev.arenaemu.benchmarks;

import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.emulator.memory.HostBuffer;
import dev.arenaemu.emulator.paging.PteFlag;
import dev.arenaemu.emulator.trap.FaultHandler;
import dev.arenaemu.kernel.bpf.interp.ArenaMemory;
import dev.arenaemu.kernel.bpf.interp.BpfInterpreter;
import dev.arenaemu.kernel.bpf.interp.KernelMemory;
import dev.arenaemu.kernel.bpf.isa.Bpf;
import dev.arenaemu.kernel.bpf.isa.Insn;
import dev.arenaemu.kernel.bpf.jit.BpfJit;
import dev.arenaemu.kernel.bpf.jit.CallDispatcher;
import dev.arenaemu.kernel.bpf.jit.JitImage;
import dev.arenaemu.kernel.bpf.jit.JitOptions;
import dev.arenaemu.kernel.bpf.jit.JitRuntime;
import dev.arenaemu.kernel.bpf.jit.LoadedProgram;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * JIT costs: building a 1000-element linked list in arena memory (16-byte nodes on pre-populated
 * pages, a bounded loop of PROBE_MEM32 stores) run as JIT output in Unicorn versus the reference
 * interpreter, and the JIT's own time for a 1000-instruction program.
 *
 * <p>{@code listBuild1000JitNoCount} is the baseline the instruction budget is measured against:
 * the same JIT image on a {@link Machine#uncounted()} machine, which has no charge hooks at all.
 * The ratio {@code listBuild1000Jit / listBuild1000JitNoCount} is the cost of the deterministic
 * budget: the charges at the program's entry and loop head.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class JitBench {
    private static final long KERN_VM_BASE = 0xFFFF_C900_0000_0000L, GUARD = 0x8000;
    private static final long KERN_VM_START = KERN_VM_BASE + GUARD, USER_VM_START = 1L << 44;
    private static final int NODES = 1000, PAGES = (NODES * 16 + 4095) / 4096;
    /** Bounded loop: no wall-clock budget (a timer thread per run would dominate). */
    private static final Budget RUN_BUDGET = new Budget(1_000_000, 0, 10);
    /** On the uncounted machine the instruction figure is ignored; the wall clock backs it up. */
    private static final Budget NO_COUNT_BUDGET = new Budget(1_000_000, 10_000_000, 10);

    /** A machine with the arena's first pages mapped at kern_vm_start and the list program loaded. */
    private static final class Rig implements AutoCloseable {
        final Machine machine;
        final HostBuffer arena;
        final JitRuntime runtime;
        final LoadedProgram listBuild;

        Rig(Machine machine, List<Insn> listProgram) {
            this.machine = machine;
            arena = machine.allocate("bench arena frames", PAGES * 4096L);
            for (int p = 0; p < PAGES; p++) machine.kernelPageTable().map(KERN_VM_START + p * 4096L, arena.phys(p * 4096L), PteFlag.RW | PteFlag.NX);
            runtime = new JitRuntime(machine, CallDispatcher.NONE);
            runtime.installFaultHandler(FaultHandler.DELIVER_ALL);
            listBuild = runtime.load("list_build", listProgram, JitOptions.arena(KERN_VM_START, USER_VM_START));
        }

        long listBuild(Budget budget) {
            JitRuntime.Outcome o = runtime.run(listBuild, budget, 0, NODES);
            if (!(o instanceof JitRuntime.Outcome.Returned r)) throw new IllegalStateException(o.toString());
            return r.r0();
        }

        @Override
        public void close() {
            machine.close();
        }
    }

    private Rig counted;
    private Rig uncounted;
    private HostBuffer arena;
    private List<Insn> listProgram;
    private List<Insn> thousand;

    @Setup(Level.Trial)
    public void boot() {
        listProgram = listBuildProgram();
        counted = new Rig(new Machine(), listProgram);
        uncounted = new Rig(Machine.uncounted(), listProgram);
        arena = counted.arena;
        thousand = thousandInstructions();
        if (counted.listBuild(RUN_BUDGET) != uncounted.listBuild(NO_COUNT_BUDGET)) throw new IllegalStateException("the two runs disagree");
    }

    @TearDown(Level.Trial)
    public void shutdown() {
        counted.close();
        uncounted.close();
    }

    /** r1 = arena offset of the node area, r2 = count; returns the head (arena offset). */
    static List<Insn> listBuildProgram() {
        return List.of(
            new Insn(Bpf.ALU64 | Bpf.MOV | Bpf.X, 6, 1, 0, 0),          // r6 = next free node
            new Insn(Bpf.ALU64 | Bpf.MOV | Bpf.K, 7, 0, 0, 0),          // r7 = head
            new Insn(Bpf.ALU64 | Bpf.MOV | Bpf.K, 8, 0, 0, 0),          // r8 = i
            new Insn(Bpf.JMP | Bpf.JGE | Bpf.X, 8, 2, 6, 0),            // loop: if i >= n goto done
            new Insn(Bpf.STX | Bpf.PROBE_MEM32 | Bpf.DW, 6, 7, 0, 0),  //   node->next = head
            new Insn(Bpf.STX | Bpf.PROBE_MEM32 | Bpf.DW, 6, 8, 8, 0),  //   node->value = i
            new Insn(Bpf.ALU64 | Bpf.MOV | Bpf.X, 7, 6, 0, 0),          //   head = node
            new Insn(Bpf.ALU64 | Bpf.ADD | Bpf.K, 6, 0, 0, 16),
            new Insn(Bpf.ALU64 | Bpf.ADD | Bpf.K, 8, 0, 0, 1),
            new Insn(Bpf.JMP | Bpf.JA, 0, 0, -7, 0),
            new Insn(Bpf.ALU64 | Bpf.MOV | Bpf.X, 0, 7, 0, 0),          // done: return head
            new Insn(Bpf.JMP | Bpf.EXIT, 0, 0, 0, 0));
    }

    static List<Insn> thousandInstructions() {
        List<Insn> out = new ArrayList<>();
        int[] ops = {Bpf.ADD, Bpf.XOR, Bpf.MUL, Bpf.LSH, Bpf.OR};
        for (int i = 0; out.size() < 999; i++) {
            switch (i % 4) {
                case 0 -> out.add(new Insn(Bpf.ALU64 | ops[i % ops.length] | Bpf.K, i % 10, 0, 0, i));
                case 1 -> out.add(new Insn(Bpf.STX | Bpf.MEM | Bpf.DW, 10, i % 10, -8 * (1 + i % 64), 0));
                case 2 -> out.add(new Insn(Bpf.STX | Bpf.PROBE_MEM32 | Bpf.W, 1, i % 10, 4 * (i % 512), 0));
                default -> out.add(new Insn(Bpf.JMP | Bpf.JNE | Bpf.K, i % 10, 0, 1, i));
            }
        }
        out.add(new Insn(Bpf.JMP | Bpf.EXIT, 0, 0, 0, 0));
        return out;
    }

    /** JIT output under the machine's budget (charged at the entry and at each loop-head visit). */
    @Benchmark
    public long listBuild1000Jit() {
        return counted.listBuild(RUN_BUDGET);
    }

    /** The same image on a machine that charges nothing: the x86 code with no hooks. */
    @Benchmark
    public long listBuild1000JitNoCount() {
        return uncounted.listBuild(NO_COUNT_BUDGET);
    }

    @Benchmark
    public long listBuild1000Interpreter() {
        ArenaMemory memory = new ArenaMemory() {
            @Override public boolean present(long k) { return k >= KERN_VM_START && k < KERN_VM_START + PAGES * 4096L; }
            @Override public long load(long k, int size) { return arena.getLong(k - KERN_VM_START); }
            @Override public void store(long k, int size, long v) { arena.putLong(k - KERN_VM_START, v); }
        };
        BpfInterpreter interp = new BpfInterpreter(listProgram, JitOptions.arena(KERN_VM_START, USER_VM_START), memory,
            KernelMemory.NONE, CallDispatcher.NONE, JitRuntime.mainFramePointer());
        return interp.run(1_000_000, 0, NODES).r0();
    }

    /** JIT time per 1000 BPF instructions (all passes to convergence). */
    @Benchmark
    public JitImage jitCompile1000Insns() {
        return BpfJit.compile(thousand, JitOptions.arena(KERN_VM_START, USER_VM_START));
    }
}
