package dev.arenaemu.emulator.cpu;

import dev.arenaemu.emulator.x86.X86Reg;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** Stubs that end with a jmp to a shared exit (so Unicorn keeps their translation) run like plain ones. */
class StubExitTest {
    @Test
    void aKernelStubReturnsAtTheSharedExitWithItsEffects() {
        try (Guest g = new Guest(1)) {
            Stubs.Stub inc = g.machine.stubs().kernelThenExit(Guest.x86(0x48, 0xFF, 0xC0));   // inc rax
            assertEquals(g.machine.stubs().kernelReturn().address(), inc.end());
            g.kernel.reg(X86Reg.RAX, 41);
            for (int i = 0; i < 3; i++) {
                RunResult.Returned r = assertInstanceOf(RunResult.Returned.class, g.kernel.run(inc.address(), inc.end(), Budget.SHORT));
                assertEquals(inc.end(), r.rip());
            }
            assertEquals(44, g.kernel.reg(X86Reg.RAX), "three runs, three increments");
        }
    }

    @Test
    void codeThatJumpsToItsOwnEndReachesTheExitToo() {
        try (Guest g = new Guest(1)) {
            Stubs.Stub skip = g.machine.stubs().kernelThenExit(Guest.x86(
                0xEB, 0x03,                 // jmp +3 (to the appended jmp)
                0x48, 0xFF, 0xC0));         // inc rax (skipped)
            g.kernel.reg(X86Reg.RAX, 7);
            assertInstanceOf(RunResult.Returned.class, g.kernel.run(skip.address(), skip.end(), Budget.SHORT));
            assertEquals(7, g.kernel.reg(X86Reg.RAX));
        }
    }

    @Test
    void aUserStubRunsAtCpl3AndReturnsAtTheUserExit() {
        try (Guest g = new Guest(1)) {
            Stubs.Stub mov = g.machine.stubs().userThenExit(Guest.x86(0x48, 0x89, 0xF8));   // mov rax, rdi
            g.user.reg(X86Reg.RDI, 0x1234);
            RunResult.Returned r = assertInstanceOf(RunResult.Returned.class, g.user.run(mov.address(), mov.end(), Budget.SHORT));
            assertEquals(mov.end(), r.rip());
            assertEquals(0x1234, g.user.reg(X86Reg.RAX));
            assertEquals(3, g.user.cpl());
        }
    }
}
