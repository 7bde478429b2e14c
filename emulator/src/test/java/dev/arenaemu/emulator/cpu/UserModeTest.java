package dev.arenaemu.emulator.cpu;

import dev.arenaemu.emulator.x86.X86Reg;
import dev.arenaemu.emulator.paging.PteFlag;
import dev.arenaemu.emulator.trap.FaultResolution;
import dev.arenaemu.emulator.trap.SyscallHandler;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** CPL3 under the user root (entered by iretq through the GDT), syscalls into Java, and the way back to CPL0. */
class UserModeTest {
    private static final byte[] LOAD = Guest.x86(0x48, 0x8B, 0x07);    // mov rax, [rdi]

    record Call(long nr, long arg0, int cpl) {}

    @Test
    void syscallFromCpl3ReachesJavaWithItsRegistersAndExitEndsTheRun() {
        try (Guest g = new Guest(4)) {
            Stubs.Stub code = g.userCode(Guest.x86(
                0xB8, 0x27, 0, 0, 0,                   // mov eax, 39     (getpid)
                0xBF, 0x07, 0, 0, 0,                   // mov edi, 7
                0x0F, 0x05,                            // syscall
                0xB8, 0x3C, 0, 0, 0,                   // mov eax, 60     (exit)
                0xBF, 0x2A, 0, 0, 0,                   // mov edi, 42
                0x0F, 0x05,                            // syscall
                0xEB, 0xFE));                          // jmp $           (never reached)
            List<Call> calls = new ArrayList<>();
            g.user.setSyscallHandler(cpu -> {
                calls.add(new Call(cpu.reg(X86Reg.RAX), cpu.reg(X86Reg.RDI), cpu.cpl()));
                return cpu.reg(X86Reg.RAX) == 60 ? SyscallHandler.Action.EXIT : SyscallHandler.Action.RESUME;
            });
            RunResult.Exited exited = assertInstanceOf(RunResult.Exited.class, g.user.run(code.address(), code.end(), Budget.DEFAULT));
            assertEquals(42, exited.status());
            assertEquals(List.of(new Call(39, 7, 3), new Call(60, 42, 3)), calls);
        }
    }

    @Test
    void enterKernelModeReachesCpl0WhereSupervisorPagesReadAndReturnToUserModeFaultsAgain() {
        try (Guest g = new Guest(4)) {
            g.mapUser(0, PteFlag.RW);                  // supervisor page in the user address space
            g.poke(0, 0, 0x5EC);
            g.user.setFaultHandler((fault, cpu) -> FaultResolution.DELIVER);
            Stubs.Stub kernelLoad = g.kernelCode(LOAD);
            Stubs.Stub userLoad = g.userCode(LOAD);
            g.user.reg(X86Reg.RDI, g.uva(0));
            RunResult.Delivered d = assertInstanceOf(RunResult.Delivered.class, g.user.run(userLoad.address(), userLoad.end(), Budget.SHORT));
            assertEquals(0x5, d.fault().errorCode());

            g.user.enterKernelMode();
            assertEquals(0, g.user.cpl());
            assertEquals(g.userTable.root(), g.user.reg(X86Reg.CR3), "still the process's address space");
            g.user.reg(X86Reg.RDI, g.uva(0));
            assertInstanceOf(RunResult.Returned.class, g.user.run(kernelLoad.address(), kernelLoad.end(), Budget.SHORT));
            assertEquals(0x5EC, g.user.reg(X86Reg.RAX));
            g.user.flushTlbPage(g.uva(0));             // a privileged stub in kernel mode keeps the saved user state
            assertEquals(0, g.user.cpl());

            g.user.enterUserMode();
            assertEquals(3, g.user.cpl());
            assertEquals(0x23, g.user.reg(X86Reg.CS));
            g.user.reg(X86Reg.RDI, g.uva(0));
            assertInstanceOf(RunResult.Delivered.class, g.user.run(userLoad.address(), userLoad.end(), Budget.SHORT));
        }
    }

    @Test
    void modeSwitchesAreCheckedNotNested() {
        try (Guest g = new Guest(1)) {
            assertThrows(IllegalStateException.class, g.user::enterUserMode);
            g.user.enterKernelMode();
            assertThrows(IllegalStateException.class, g.user::enterKernelMode);
            assertThrows(IllegalStateException.class, g.kernel::enterKernelMode);
        }
    }
}
