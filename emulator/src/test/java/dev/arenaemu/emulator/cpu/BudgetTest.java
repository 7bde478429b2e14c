package dev.arenaemu.emulator.cpu;

import dev.arenaemu.emulator.x86.X86Reg;
import dev.arenaemu.emulator.trap.FaultResolution;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** Runaway guest code ends with a named limit, never a hang. */
class BudgetTest {
    private static final byte[] SPIN = Guest.x86(0xEB, 0xFE);    // jmp $

    @Test
    void infiniteLoopExhaustsTheInstructionBudget() {
        try (Guest g = new Guest(1)) {
            Stubs.Stub spin = g.kernelCode(SPIN);
            RunResult.BudgetExhausted b = assertInstanceOf(RunResult.BudgetExhausted.class,
                g.kernel.run(spin.address(), spin.end(), new Budget(100_000, 0, 10)));
            assertEquals(RunResult.Limit.INSTRUCTIONS, b.limit());
            assertEquals(spin.address(), b.rip());
        }
    }

    @Test
    void anUncountedMachineRunsPastTheInstructionBudgetAndOnlyTheWallClockStopsIt() {
        try (Machine m = Machine.uncounted()) {
            Stubs.Stub count = m.stubs().kernel(Guest.x86(
                0x48, 0xFF, 0xC9,                      // loop: dec rcx
                0x75, 0xFB));                          //       jnz loop
            m.kernelCpu().reg(X86Reg.RCX, 100_000);
            assertInstanceOf(RunResult.Returned.class, m.kernelCpu().run(count.address(), count.end(), new Budget(1_000, 0, 10)),
                "200,000 instructions under a 1,000-instruction budget: no count, no limit");
            Stubs.Stub spin = m.stubs().kernel(SPIN);
            RunResult.BudgetExhausted b = assertInstanceOf(RunResult.BudgetExhausted.class,
                m.kernelCpu().run(spin.address(), spin.end(), new Budget(1_000, 50_000, 10)));
            assertEquals(RunResult.Limit.WALL_CLOCK, b.limit(), "an engine that never counted can be stopped from the watchdog");
        }
    }

    @Test
    void infiniteLoopAtCpl3ExhaustsTheWallClockBudget() {
        try (Guest g = new Guest(1)) {
            Stubs.Stub spin = g.userCode(SPIN);
            RunResult.BudgetExhausted b = assertInstanceOf(RunResult.BudgetExhausted.class,
                g.user.run(spin.address(), spin.end(), new Budget(Long.MAX_VALUE, 50_000, 10)));
            assertEquals(RunResult.Limit.WALL_CLOCK, b.limit());
            assertEquals(3, g.user.cpl());
        }
    }

    @Test
    void handlerThatRetriesWithoutInstallingExhaustsTheFaultBudget() {
        try (Guest g = new Guest(1)) {
            Stubs.Stub load = g.kernelCode(Guest.x86(0x48, 0x8B, 0x07));   // mov rax, [rdi]
            g.kernel.setFaultHandler((fault, cpu) -> FaultResolution.RETRY);
            g.kernel.reg(X86Reg.RDI, g.kva(0));
            long before = g.kernel.faultCount();
            RunResult.BudgetExhausted b = assertInstanceOf(RunResult.BudgetExhausted.class,
                g.kernel.run(load.address(), load.end(), new Budget(1_000_000, 0, 500)));
            assertEquals(RunResult.Limit.FAULTS, b.limit());
            assertEquals(load.address(), b.rip());
            assertEquals(501, g.kernel.faultCount() - before, "500 handled, the 501st stops the run");
        }
    }

    @Test
    void aRunAfterAnExhaustedWallClockBudgetIsNotStoppedByTheOldDeadline() {
        try (Guest g = new Guest(1)) {
            Stubs.Stub spin = g.kernelCode(SPIN);
            g.kernel.run(spin.address(), spin.end(), new Budget(Long.MAX_VALUE, 20_000, 10));
            Stubs.Stub count = g.kernelCode(Guest.x86(
                0x48, 0xFF, 0xC9,                      // loop: dec rcx
                0x75, 0xFB));                          //       jnz loop
            g.kernel.reg(X86Reg.RCX, 1_000_000);
            assertInstanceOf(RunResult.Returned.class, g.kernel.run(count.address(), count.end(), Budget.DEFAULT));
            assertEquals(0, g.kernel.reg(X86Reg.RCX));
        }
    }
}
