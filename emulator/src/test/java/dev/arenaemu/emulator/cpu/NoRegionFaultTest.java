package dev.arenaemu.emulator.cpu;

import dev.arenaemu.emulator.ffm.X86Reg;
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
 * An access where the engine has no region at all (a NULL dereference, a wild or non-canonical
 * pointer) is reported by Unicorn 2.0.1 as UC_ERR_*_UNMAPPED before any page walk (notes §2). The
 * CPU turns it into the same PageFault a missing PTE gives, flagged noRegion, so fault handling
 * (exception-table fixup, SIGSEGV) works there too.
 */
class NoRegionFaultTest {
    private static final byte[] LOAD_THEN_MOV = Guest.x86(
        0x48, 0x8B, 0x07,                              // mov rax, [rdi]   (no region)
        0x48, 0xC7, 0xC3, 0x05, 0, 0, 0);              // mov rbx, 5

    private static RunResult loadWithFixup(Cpu cpu, Stubs.Stub code, long address, List<PageFault> seen) {
        cpu.setFaultHandler((fault, c) -> { seen.add(fault); return new FaultResolution.Fixup(fault.rip() + 3, X86Reg.RAX); });
        cpu.reg(X86Reg.RAX, -1L);
        cpu.reg(X86Reg.RBX, 0);
        cpu.reg(X86Reg.RDI, address);
        return cpu.run(code.address(), code.end(), Budget.SHORT);
    }

    @Test
    void nullDereferenceAtCpl0ReachesTheHandlerAndFixupResumes() {
        try (Guest g = new Guest(1)) {
            List<PageFault> seen = new ArrayList<>();
            Stubs.Stub code = g.kernelCode(LOAD_THEN_MOV);
            assertInstanceOf(RunResult.Returned.class, loadWithFixup(g.kernel, code, 0x10, seen));
            assertEquals(List.of(new PageFault(0x10, 0, code.address(), 0, true)), seen);
            assertEquals(0, g.kernel.reg(X86Reg.RAX));
            assertEquals(5, g.kernel.reg(X86Reg.RBX));
        }
    }

    @Test
    void nullDereferenceAtCpl3ReachesTheHandlerWithTheUserBitAndFixupResumes() {
        try (Guest g = new Guest(1)) {
            List<PageFault> seen = new ArrayList<>();
            Stubs.Stub code = g.userCode(LOAD_THEN_MOV);
            assertInstanceOf(RunResult.Returned.class, loadWithFixup(g.user, code, 0x10, seen));
            assertEquals(List.of(new PageFault(0x10, PageFault.PF_USER, code.address(), 3, true)), seen);
            assertEquals(5, g.user.reg(X86Reg.RBX));
            assertEquals(3, g.user.cpl());
        }
    }

    @Test
    void nonCanonicalAddressIsANoRegionFaultAtBothLevels() {
        long wild = 0x8000_0000_0000_1000L;
        try (Guest g = new Guest(1)) {
            List<PageFault> seen = new ArrayList<>();
            assertInstanceOf(RunResult.Returned.class, loadWithFixup(g.kernel, g.kernelCode(LOAD_THEN_MOV), wild, seen));
            assertInstanceOf(RunResult.Returned.class, loadWithFixup(g.user, g.userCode(LOAD_THEN_MOV), wild, seen));
            assertEquals(2, seen.size());
            assertTrue(seen.stream().allMatch(f -> f.noRegion() && f.address() == wild), seen.toString());
        }
    }

    @Test
    void writeWithNoRegionCarriesTheWriteBit() {
        try (Guest g = new Guest(1)) {
            Stubs.Stub store = g.userCode(Guest.x86(0x48, 0x89, 0x07));   // mov [rdi], rax
            g.user.setFaultHandler((fault, c) -> FaultResolution.DELIVER);
            g.user.reg(X86Reg.RDI, 0x20);
            RunResult.Delivered d = assertInstanceOf(RunResult.Delivered.class, g.user.run(store.address(), store.end(), Budget.SHORT));
            assertEquals(PageFault.PF_USER | PageFault.PF_WRITE, d.fault().errorCode());
        }
    }

    /** A fetch walks the tables before looking for a region, so with no PTE it is a plain #PF at the target. */
    @Test
    void jumpToAnUnmappedAddressIsAFetchFaultDeliveredAtTheTarget() {
        try (Guest g = new Guest(1)) {
            Stubs.Stub jump = g.userCode(Guest.x86(0xFF, 0xE1));           // jmp rcx
            g.user.setFaultHandler((fault, c) -> FaultResolution.DELIVER);
            g.user.reg(X86Reg.RCX, 0x40);
            RunResult.Delivered d = assertInstanceOf(RunResult.Delivered.class, g.user.run(jump.address(), jump.end(), Budget.SHORT));
            assertEquals(new PageFault(0x40, PageFault.PF_USER, 0x40, 3, false), d.fault(), "no I/D bit: NXE is off");
        }
    }

    /**
     * Deliver after the block has already run several times, with the faulting load in the
     * middle of it: Unicorn 2.0.1 leaves RIP exactly at the faulting instruction when
     * uc_emu_start returns UC_ERR_READ_UNMAPPED (measured), and the registers hold the state
     * before that instruction.
     */
    @Test
    void deliverLeavesRipAtTheFaultingInstructionInTheMiddleOfAHotBlock() {
        try (Guest g = new Guest(1)) {
            g.mapKernel(0, PteFlag.RW);
            Stubs.Stub loop = g.kernelCode(Guest.x86(
                0x48, 0x83, 0xC7, 0x08,                // loop: add rdi, 8
                0x48, 0x8B, 0x07,                      //       mov rax, [rdi]   (at +4; no region after page 0)
                0x48, 0xFF, 0xC9,                      //       dec rcx
                0x75, 0xF4));                          //       jnz loop
            g.kernel.setFaultHandler((fault, c) -> FaultResolution.DELIVER);
            g.kernel.reg(X86Reg.RDI, g.kva(1) - 40);
            g.kernel.reg(X86Reg.RCX, 100);
            RunResult.Delivered d = assertInstanceOf(RunResult.Delivered.class, g.kernel.run(loop.address(), loop.end(), Budget.SHORT));
            assertEquals(new PageFault(g.kva(1), 0, loop.address() + 4, 0, true), d.fault());
            assertEquals(loop.address() + 4, g.kernel.reg(X86Reg.RIP));
            assertEquals(g.kva(1), g.kernel.reg(X86Reg.RDI));
            assertEquals(96, g.kernel.reg(X86Reg.RCX), "four iterations completed");
        }
    }
}
