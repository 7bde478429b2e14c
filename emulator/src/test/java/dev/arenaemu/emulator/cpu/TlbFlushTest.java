package dev.arenaemu.emulator.cpu;

import dev.arenaemu.emulator.x86.X86Reg;
import dev.arenaemu.emulator.paging.PteFlag;
import dev.arenaemu.emulator.trap.FaultResolution;
import dev.arenaemu.emulator.trap.PageFault;
import org.junit.jupiter.api.Test;

import java.util.function.LongConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Removing a PTE is not seen until the TLB is flushed, as on hardware (the kernel's
 * flush_tlb_kernel_range / flush_tlb_mm_range after a zap). The CPU runs invlpg / mov cr3 in a
 * CPL0 stub, as the kernel does; inside a run the engine's TLB flush control is used.
 */
class TlbFlushTest {
    private static final byte[] LOAD = Guest.x86(0x48, 0x8B, 0x07);    // mov rax, [rdi]

    /** Loads [va]; returns the run's result. */
    private static RunResult load(Cpu cpu, Stubs.Stub code, long va) {
        cpu.reg(X86Reg.RDI, va);
        return cpu.run(code.address(), code.end(), Budget.SHORT);
    }

    /** {@link #staleUntilFlushed} on the user CPU for user page 0 (mapped here), which must still be at CPL3 afterwards. */
    private static void userStaleUntilFlushed(Guest g, LongConsumer flush) {
        g.mapUser(0, Guest.RW_USER);
        staleUntilFlushed(g.user, g.userCode(LOAD), g.uva(0), () -> g.userTable.unmap(g.uva(0)), () -> g.poke(0, 0, 0xBBBB), flush);
        assertEquals(3, g.user.cpl());
    }

    private static void staleUntilFlushed(Cpu cpu, Stubs.Stub code, long va, Runnable unmap, Runnable poke, LongConsumer flush) {
        cpu.setFaultHandler((fault, c) -> FaultResolution.DELIVER);
        assertInstanceOf(RunResult.Returned.class, load(cpu, code, va));   // fills the TLB
        unmap.run();
        poke.run();
        assertInstanceOf(RunResult.Returned.class, load(cpu, code, va), "no flush: the stale translation still serves the load");
        assertEquals(0xBBBB, cpu.reg(X86Reg.RAX));
        flush.accept(va);
        RunResult.Delivered d = assertInstanceOf(RunResult.Delivered.class, load(cpu, code, va), "after the flush the load faults");
        assertEquals(va, d.fault().address());
        assertEquals(0, d.fault().errorCode() & PageFault.PF_PROT, "not present");
    }

    @Test
    void kernelCpuReadsStaleUntilFlushTlbPage() {
        try (Guest g = new Guest(4)) {
            g.mapKernel(0, PteFlag.RW);
            staleUntilFlushed(g.kernel, g.kernelCode(LOAD), g.kva(0),
                () -> g.machine.kernelPageTable().unmap(g.kva(0)), () -> g.poke(0, 0, 0xBBBB), g.kernel::flushTlbPage);
        }
    }

    @Test
    void kernelCpuReadsStaleUntilFlushTlbAll() {
        try (Guest g = new Guest(4)) {
            g.mapKernel(0, PteFlag.RW);
            staleUntilFlushed(g.kernel, g.kernelCode(LOAD), g.kva(0),
                () -> g.machine.kernelPageTable().unmap(g.kva(0)), () -> g.poke(0, 0, 0xBBBB), va -> g.kernel.flushTlbAll());
        }
    }

    @Test
    void userCpuReadsStaleUntilFlushTlbPageAndStaysAtCpl3WithItsRegisters() {
        try (Guest g = new Guest(4)) {
            g.user.reg(X86Reg.R12, 0x1212);
            userStaleUntilFlushed(g, g.user::flushTlbPage);
            assertEquals(0x1212, g.user.reg(X86Reg.R12), "the CPL0 flush stub ran in a saved context");
        }
    }

    @Test
    void userCpuReadsStaleUntilFlushTlbAll() {
        try (Guest g = new Guest(4)) {
            userStaleUntilFlushed(g, va -> g.user.flushTlbAll());
        }
    }

    @Test
    void userCpuReadsStaleUntilARangeFlushThatCoversThePageAndKeepsItsRegisters() {
        try (Guest g = new Guest(4)) {
            g.user.reg(X86Reg.RSI, 0x5151);
            userStaleUntilFlushed(g, va -> g.user.flushTlbRange(va - 4096, va + 4096));
            assertEquals(0x5151, g.user.reg(X86Reg.RSI), "the invlpg loop's RDI/RSI belong to the saved CPL0 context");
        }
    }

    @Test
    void flushTlbRangeDropsEveryPageOfASmallAndALargeRange() {
        for (int pages : new int[] {3, Cpu.SINGLE_PAGE_FLUSH_CEILING + 7}) {
            try (Guest g = new Guest(pages)) {
                Stubs.Stub loop = g.kernelCode(Guest.x86(
                    0x48, 0x03, 0x1F,                  // loop: add rbx, [rdi]
                    0x48, 0x81, 0xC7, 0x00, 0x10, 0, 0,//       add rdi, 0x1000
                    0x48, 0xFF, 0xC9,                  //       dec rcx
                    0x75, 0xF1));                      //       jnz loop
                for (int p = 0; p < pages; p++) g.mapKernel(p, PteFlag.RW);
                g.kernel.reg(X86Reg.RDI, g.kva(0));
                g.kernel.reg(X86Reg.RCX, pages);
                assertInstanceOf(RunResult.Returned.class, g.kernel.run(loop.address(), loop.end(), Budget.SHORT));
                for (int p = 0; p < pages; p++) g.machine.kernelPageTable().unmap(g.kva(p));
                g.kernel.flushTlbRange(g.kva(0), g.kva(pages));
                int[] faults = {0};
                g.kernel.setFaultHandler((fault, cpu) -> { faults[0]++; g.mapKernel((fault.address() - Guest.KERNEL_DATA_VA) >>> 12, PteFlag.RW); return FaultResolution.RETRY; });
                g.kernel.reg(X86Reg.RDI, g.kva(0));
                g.kernel.reg(X86Reg.RCX, pages);
                assertInstanceOf(RunResult.Returned.class, g.kernel.run(loop.address(), loop.end(), Budget.SHORT));
                assertEquals(pages, faults[0], "every page of the " + pages + "-page range faults again");
            }
        }
    }

    /** Code that loads page 0, then page 1 (absent: the handler runs), then page 0 again. */
    private static final byte[] THREE_LOADS = Guest.x86(
        0x48, 0x8B, 0x07,                              // mov rax, [rdi]  (page 0)
        0x48, 0x8B, 0x1E,                              // mov rbx, [rsi]  (page 1, faults)
        0x48, 0x8B, 0x0F);                             // mov rcx, [rdi]  (page 0 again, at +6)

    private static RunResult unmapPageZeroInsideTheRun(Guest g, boolean flush) {
        g.mapKernel(0, PteFlag.RW);
        g.kernel.setFaultHandler((fault, cpu) -> {
            if (fault.address() == g.kva(0)) return FaultResolution.DELIVER;
            g.machine.kernelPageTable().unmap(g.kva(0));
            if (flush) cpu.flushTlbPage(g.kva(0));
            g.mapKernel(1, PteFlag.RW);
            return FaultResolution.RETRY;
        });
        Stubs.Stub code = g.kernelCode(THREE_LOADS);
        g.kernel.reg(X86Reg.RDI, g.kva(0));
        g.kernel.reg(X86Reg.RSI, g.kva(1));
        return g.kernel.run(code.address(), code.end(), Budget.SHORT);
    }

    @Test
    void flushFromInsideAFaultHandlerTakesEffectInTheSameRun() {
        try (Guest g = new Guest(4)) {
            RunResult.Delivered d = assertInstanceOf(RunResult.Delivered.class, unmapPageZeroInsideTheRun(g, true));
            assertEquals(g.kva(0), d.fault().address());
        }
    }

    @Test
    void withoutTheFlushTheSameRunKeepsUsingTheStaleEntry() {
        try (Guest g = new Guest(4)) {
            assertInstanceOf(RunResult.Returned.class, unmapPageZeroInsideTheRun(g, false));
        }
    }
}
