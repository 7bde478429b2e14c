package dev.arenaemu.benchmarks;

import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.emulator.cpu.Cpu;
import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.emulator.cpu.RunResult;
import dev.arenaemu.emulator.cpu.Stubs;
import dev.arenaemu.emulator.ffm.Unicorn;
import dev.arenaemu.emulator.x86.X86Reg;
import dev.arenaemu.emulator.memory.HostBuffer;
import dev.arenaemu.emulator.paging.PageTable;
import dev.arenaemu.emulator.paging.PteFlag;
import dev.arenaemu.emulator.trap.FaultResolution;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * The emulator's fault path, one #PF per operation: a guest loop on the kernel CPU touches
 * {@link #PAGES} absent pages per invocation and the Java handler answers every fault. Figures
 * compare with the earlier standalone FFM measurements quoted in emulator/docs/costs.md ("Fault round
 * trips": 1.9–3.6 µs install-and-retry, 0.82–0.86 µs fixup), whose
 * install-and-retry figure includes the host's first touch of each page (the FreshHostPage variant).
 * The others measure a whole Cpu.run, raw uc_emu_start with and without a timeout, and what
 * an instruction count costs a register loop (per iteration: dec + jnz).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class EmulatorBench {
    static final int PAGES = 1024;
    static final long KERNEL_VA = 0xFFFF_C900_0000_0000L;
    static final byte[] READ_LOOP = code(
        0x48, 0x8B, 0x07,                      // loop: mov rax, [rdi]
        0x48, 0x81, 0xC7, 0x00, 0x10, 0, 0,    //       add rdi, 0x1000
        0x48, 0xFF, 0xC9,                      //       dec rcx
        0x75, 0xF1);                           //       jnz loop
    static final byte[] WRITE_LOOP = code(
        0x48, 0x89, 0x07,                      // loop: mov [rdi], rax
        0x48, 0x81, 0xC7, 0x00, 0x10, 0, 0,    //       add rdi, 0x1000
        0x48, 0xFF, 0xC9,                      //       dec rcx
        0x75, 0xF1);                           //       jnz loop
    static final byte[] FIXUP_LOOP = code(
        0x48, 0x8B, 0x07,                      // loop: mov rax, [rdi]   (always faults: fixed up)
        0x48, 0xFF, 0xC9,                      //       dec rcx
        0x75, 0xF8);                           //       jnz loop

    /** The guest loops of the fault path and what the handler does with their faults. */
    public enum Loop {
        /** load #PF → the handler writes the PTE → Retry → the load re-executes (host page already resident) */
        READ(READ_LOOP, false, false),
        /** the same, with the host page dropped before (madvise DONTNEED), so the host also zero-fills it */
        READ_FRESH_HOST_PAGE(READ_LOOP, false, true),
        /** the same for a store (A and D set by the walk) */
        WRITE(WRITE_LOOP, false, false),
        /** load #PF → Fixup(rip+3, RAX), as the BPF exception table does */
        FIXUP(FIXUP_LOOP, true, false);

        final byte[] code;
        final boolean fixup;
        final boolean freshHostPages;

        Loop(byte[] code, boolean fixup, boolean freshHostPages) {
            this.code = code;
            this.fixup = fixup;
            this.freshHostPages = freshHostPages;
        }
    }

    @State(Scope.Thread)
    public static class KernelFaults {
        @Param({"READ", "READ_FRESH_HOST_PAGE", "WRITE", "FIXUP"})
        Loop loop;
        Machine machine;
        Cpu cpu;
        PageTable table;
        HostBuffer data;
        Stubs.Stub stub;

        @Setup(Level.Trial)
        public void boot() {
            machine = new Machine();
            cpu = machine.kernelCpu();
            table = machine.kernelPageTable();
            data = machine.allocate("bench data", PAGES * 4096L);
            stub = machine.stubs().kernel(loop.code);
            if (loop.fixup) {
                cpu.setFaultHandler((fault, c) -> new FaultResolution.Fixup(fault.rip() + 3, X86Reg.RAX));
            } else {
                // every fault: map the page to its frame of data and retry the access
                cpu.setFaultHandler((fault, c) -> {
                    table.map(fault.address(), data.phys(fault.address() - KERNEL_VA), PteFlag.RW);
                    return FaultResolution.RETRY;
                });
            }
        }

        /** Every page absent again, and no stale translation left; for the fresh-host-page loop, the host's pages dropped. */
        @Setup(Level.Invocation)
        public void unmapAll() {
            for (int p = 0; p < PAGES; p++) table.unmap(KERNEL_VA + 4096L * p);
            cpu.flushTlbAll();
            if (loop.freshHostPages) data.discard(0, data.size());
        }

        @TearDown(Level.Trial)
        public void shutdown() {
            machine.close();
        }

        RunResult runLoop() {
            cpu.reg(X86Reg.RDI, KERNEL_VA);
            cpu.reg(X86Reg.RCX, PAGES);
            long before = cpu.faultCount();
            RunResult r = cpu.run(stub.address(), stub.end(), Budget.DEFAULT);
            if (!(r instanceof RunResult.Returned)) throw new IllegalStateException("benchmark loop ended with " + r);
            long faults = cpu.faultCount() - before;
            if (faults != PAGES) throw new IllegalStateException("expected " + PAGES + " faults per loop, saw " + faults);
            return r;
        }
    }

    /** One #PF per operation, answered by the Java handler through Cpu.run (emulator/docs/costs.md, "Fault round trips"). */
    @Benchmark
    @OperationsPerInvocation(PAGES)
    public RunResult faultLoop(KernelFaults s) {
        return s.runLoop();
    }

    /** The bound: the same loop, driven straight on the binding (see {@link BareFaultLoop}). */
    @State(Scope.Thread)
    public static class Bound {
        @Param({"READ", "READ_FRESH_HOST_PAGE", "WRITE", "FIXUP"})
        Loop loop;
        BareFaultLoop bare;

        @Setup(Level.Trial)
        public void boot() {
            bare = new BareFaultLoop(loop.code);
        }

        @Setup(Level.Invocation)
        public void unmapAll() {
            bare.reset(loop.freshHostPages);
        }

        @TearDown(Level.Trial)
        public void shutdown() {
            bare.close();
        }
    }

    @Benchmark
    @OperationsPerInvocation(PAGES)
    public long boundFaultLoop(Bound s) {
        return s.bare.run(s.loop.fixup);
    }

    /** A kernel CPU with a one-nop stub, for the fixed cost of a run. */
    @State(Scope.Thread)
    public static class NopRun {
        Machine machine;
        Stubs.Stub nop;

        @Setup(Level.Trial)
        public void boot() {
            machine = new Machine();
            nop = machine.stubs().kernel(code(0x90));
        }

        @TearDown(Level.Trial)
        public void shutdown() {
            machine.close();
        }
    }

    /** One Cpu.run of a single nop with no wall budget: the fixed cost every guest call pays. */
    @Benchmark
    public RunResult runNopShortBudget(NopRun s) {
        return s.machine.kernelCpu().run(s.nop.address(), s.nop.end(), Budget.SHORT);
    }

    /** The same with the default budget, whose wall-clock limit the JVM-wide watchdog enforces. */
    @Benchmark
    public RunResult runNopDefaultBudget(NopRun s) {
        return s.machine.kernelCpu().run(s.nop.address(), s.nop.end(), Budget.DEFAULT);
    }

    /**
     * Raw uc_emu_start of one nop, no timeout and a 1 s timeout (2.0.1 started a timer thread per
     * call with a timeout; not re-checked on 2.1.4).
     */
    @State(Scope.Thread)
    public static class RawEngine {
        Unicorn uc;

        @Setup(Level.Trial)
        public void open() {
            uc = new Unicorn();
            uc.memMap(0x1000, 0x1000, Unicorn.PROT_ALL);
            uc.memWrite(0x1000, new byte[] {(byte) 0x90});
            uc.memWrite(0x1010, code(
                0x48, 0xFF, 0xC9,                      // loop: dec rcx
                0x75, 0xFB));                          //       jnz loop
        }

        @TearDown(Level.Trial)
        public void close() {
            uc.close();
        }
    }

    @Benchmark
    public void ucEmuStartNoTimeout(RawEngine e) {
        e.uc.start(0x1000, 0x1001, 0, 0);
    }

    @Benchmark
    public void ucEmuStartWithTimeout(RawEngine e) {
        e.uc.start(0x1000, 0x1001, 1_000_000, 0);
    }

    static final int LOOP_ITERATIONS = 1_000_000;

    /** A million-iteration register loop (2 M instructions) without an instruction count. */
    @Benchmark
    @OperationsPerInvocation(LOOP_ITERATIONS)
    public void ucLoopNoCount(RawEngine e) {
        e.uc.regWrite(X86Reg.RCX, LOOP_ITERATIONS);
        e.uc.start(0x1010, 0x1015, 0, 0);
    }

    /** The same loop with a count (what every Cpu.run passes for its instruction budget). */
    @Benchmark
    @OperationsPerInvocation(LOOP_ITERATIONS)
    public void ucLoopWithCount(RawEngine e) {
        e.uc.regWrite(X86Reg.RCX, LOOP_ITERATIONS);
        e.uc.start(0x1010, 0x1015, 0, 1L << 40);
    }

    /** TLB flushes outside a run: each is a CPL0 stub run (invlpg, its loop, or mov cr3). */
    @State(Scope.Thread)
    public static class Flushes {
        Machine machine;
        Cpu kernel, user;
        Stubs.Stub nop;
        int next;

        @Setup(Level.Trial)
        public void boot() {
            machine = new Machine();
            kernel = machine.kernelCpu();
            user = machine.cpu(1);                     // at CPL3 under a user root, as when it runs a process
            user.switchAddressSpace(machine.newUserPageTable());
            user.enterUserMode();
            nop = machine.stubs().kernel(code(0x90));
        }

        long page() {
            return KERNEL_VA + 4096L * (next++ & 63);
        }

        @TearDown(Level.Trial)
        public void shutdown() {
            machine.close();
        }
    }

    /** One Cpu.run of a nop: the floor every stub run pays. */
    @Benchmark
    public RunResult flushBaselineRunNop(Flushes f) {
        return f.kernel.run(f.nop.address(), f.nop.end(), Budget.SHORT);
    }

    @Benchmark
    public void flushTlbPageKernel(Flushes f) {
        f.kernel.flushTlbPage(f.page());
    }

    /** A CPU at CPL3 runs the stub in its saved CPL0 context (two context swaps more). */
    @Benchmark
    public void flushTlbPageUser(Flushes f) {
        f.user.flushTlbPage(f.page());
    }

    /** 33 pages (tlb_single_page_flush_ceiling): one run of the invlpg loop. */
    @Benchmark
    public void flushTlbRange33Kernel(Flushes f) {
        f.kernel.flushTlbRange(KERNEL_VA, KERNEL_VA + 33 * 4096L);
    }

    @Benchmark
    public void flushTlbAllKernel(Flushes f) {
        f.kernel.flushTlbAll();
    }

    static byte[] code(int... bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) out[i] = (byte) bytes[i];
        return out;
    }
}
