package dev.arenaemu.emulator.cpu;

import dev.arenaemu.emulator.x86.X86Reg;
import dev.arenaemu.emulator.paging.PteFlag;
import dev.arenaemu.emulator.trap.FaultResolution;
import dev.arenaemu.emulator.trap.PageFault;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The three answers a fault handler gives (arch/x86/mm/fault.c: handle_mm_fault then retry,
 * fixup_exception, or a signal), applied to real faults of the emulated CPU.
 */
class FaultResolutionTest {
    @Test
    void retryAfterInstallingThePteReExecutesTheLoadAndReadsTheInstalledPage() {
        try (Guest g = new Guest(4)) {
            g.poke(2, 0x18, 0xFEED_F00DL);
            g.kernel.setFaultHandler((fault, cpu) -> {
                g.mapKernel((fault.address() - Guest.KERNEL_DATA_VA) >>> 12, PteFlag.RW);
                return FaultResolution.RETRY;
            });
            Stubs.Stub load = g.kernelCode(Guest.x86(0x48, 0x8B, 0x07));   // mov rax, [rdi]
            g.kernel.reg(X86Reg.RDI, g.kva(2) + 0x18);
            long faults = g.kernel.faultCount();
            assertInstanceOf(RunResult.Returned.class, g.kernel.run(load.address(), load.end(), Budget.SHORT));
            assertEquals(0xFEED_F00DL, g.kernel.reg(X86Reg.RAX));
            assertEquals(1, g.kernel.faultCount() - faults);
        }
    }

    @Test
    void retryAtCpl3AfterInstallingAUserPteCompletesTheStore() {
        try (Guest g = new Guest(4)) {
            g.user.setFaultHandler((fault, cpu) -> {
                g.mapUser((fault.address() - Guest.USER_DATA_VA) >>> 12, Guest.RW_USER);
                return FaultResolution.RETRY;
            });
            Stubs.Stub store = g.userCode(Guest.x86(0x48, 0x89, 0x07));    // mov [rdi], rax
            g.user.reg(X86Reg.RDI, g.uva(3) + 8);
            g.user.reg(X86Reg.RAX, 0xABCD);
            assertInstanceOf(RunResult.Returned.class, g.user.run(store.address(), store.end(), Budget.SHORT));
            assertEquals(0xABCD, g.peek(3, 8));
        }
    }

    @Test
    void fixupSkipsTheLoadAndZeroesTheWhole64BitDestination() {
        try (Guest g = new Guest(4)) {
            Stubs.Stub code = g.kernelCode(Guest.x86(
                0x44, 0x8B, 0x0F,                      // mov r9d, [rdi]   (faults; 3 bytes)
                0x48, 0xC7, 0xC3, 0x05, 0, 0, 0));     // mov rbx, 5       (runs after the fixup)
            g.kernel.setFaultHandler((fault, cpu) -> new FaultResolution.Fixup(fault.rip() + 3, X86Reg.R9));
            g.kernel.reg(X86Reg.R9, -1L);
            g.kernel.reg(X86Reg.RDI, g.kva(1));
            assertInstanceOf(RunResult.Returned.class, g.kernel.run(code.address(), code.end(), Budget.SHORT));
            assertEquals(0L, g.kernel.reg(X86Reg.R9), "all 64 bits cleared, not only the 32 a mov r9d writes");
            assertEquals(5L, g.kernel.reg(X86Reg.RBX));
        }
    }

    @Test
    void fixupWithoutRegisterSkipsAStoreAndLeavesRegistersAlone() {
        try (Guest g = new Guest(4)) {
            Stubs.Stub code = g.kernelCode(Guest.x86(
                0x48, 0x89, 0x07,                      // mov [rdi], rax   (faults)
                0x48, 0xFF, 0xC0));                    // inc rax
            g.kernel.setFaultHandler((fault, cpu) -> new FaultResolution.Fixup(fault.rip() + 3, null));
            g.kernel.reg(X86Reg.RAX, 41);
            g.kernel.reg(X86Reg.RDI, g.kva(1));
            assertInstanceOf(RunResult.Returned.class, g.kernel.run(code.address(), code.end(), Budget.SHORT));
            assertEquals(42, g.kernel.reg(X86Reg.RAX));
        }
    }

    @Test
    void deliverStopsWithRipAtTheFaultingInstructionInsideABlock() {
        try (Guest g = new Guest(4)) {
            Stubs.Stub code = g.kernelCode(Guest.x86(
                0x48, 0xC7, 0xC0, 0x01, 0, 0, 0,       // mov rax, 1
                0x48, 0x8B, 0x1F,                      // mov rbx, [rdi]   (faults, at +7)
                0x48, 0xC7, 0xC1, 0x02, 0, 0, 0));     // mov rcx, 2       (never runs)
            g.kernel.setFaultHandler((fault, cpu) -> FaultResolution.DELIVER);
            g.kernel.reg(X86Reg.RDI, g.kva(1));
            g.kernel.reg(X86Reg.RCX, 0);
            RunResult.Delivered d = assertInstanceOf(RunResult.Delivered.class,
                g.kernel.run(code.address(), code.end(), Budget.SHORT));
            assertEquals(code.address() + 7, d.fault().rip());
            assertEquals(code.address() + 7, g.kernel.reg(X86Reg.RIP));
            assertEquals(1, g.kernel.reg(X86Reg.RAX), "the instruction before the fault ran");
            assertEquals(0, g.kernel.reg(X86Reg.RCX), "the instruction after it did not");
        }
    }

    @Test
    void fifteenHundredConsecutiveFaultsInOneRunAreAllRetried() {
        int pages = 1500;
        try (Guest g = new Guest(pages)) {
            for (int p = 0; p < pages; p++) g.poke(p, 0, p + 1);
            List<PageFault> seen = new ArrayList<>();
            g.kernel.setFaultHandler((fault, cpu) -> {
                seen.add(fault);
                g.mapKernel((fault.address() - Guest.KERNEL_DATA_VA) >>> 12, PteFlag.RW);
                return FaultResolution.RETRY;
            });
            Stubs.Stub loop = g.kernelCode(Guest.x86(
                0x48, 0x03, 0x1F,                      // loop: add rbx, [rdi]
                0x48, 0x81, 0xC7, 0x00, 0x10, 0, 0,    //       add rdi, 0x1000
                0x48, 0xFF, 0xC9,                      //       dec rcx
                0x75, 0xF1));                          //       jnz loop
            g.kernel.reg(X86Reg.RBX, 0);
            g.kernel.reg(X86Reg.RCX, pages);
            g.kernel.reg(X86Reg.RDI, g.kva(0));
            assertInstanceOf(RunResult.Returned.class, g.kernel.run(loop.address(), loop.end(), Budget.DEFAULT));
            assertEquals((long) pages * (pages + 1) / 2, g.kernel.reg(X86Reg.RBX), "every page was read once, after its fault");
            assertEquals(pages, seen.size());
            assertTrue(seen.stream().allMatch(f -> f.errorCode() == 0 && f.rip() == loop.address()),
                "every one a not-present read #PF (a #DF would have stopped the run)");
        }
    }
}
