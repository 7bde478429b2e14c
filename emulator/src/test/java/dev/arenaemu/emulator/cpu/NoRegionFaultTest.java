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

/**
 * Accesses that find no page. The engine walks the page tables first, as hardware does: a NULL
 * or wild pointer is a plain not-present #PF, a non-canonical address is #GP. Only a present PTE
 * that names a frame where the machine has no RAM reaches Unicorn's "unmapped" path; the CPU
 * turns that into the same PageFault, flagged noRegion, so fault handling (exception-table fixup,
 * SIGSEGV) works there too.
 */
class NoRegionFaultTest {
    /** A physical address between the page-table pool and the first data buffer: no RAM there. */
    private static final long NO_RAM = 0x8_0000_0000L;

    private static final byte[] LOAD_THEN_MOV = Guest.x86(
        0x48, 0x8B, 0x07,                              // mov rax, [rdi]
        0x48, 0xC7, 0xC3, 0x05, 0, 0, 0);              // mov rbx, 5

    private static RunResult loadWithFixup(Cpu cpu, Stubs.Stub code, long address, List<PageFault> seen) {
        cpu.setFaultHandler((fault, c) -> { seen.add(fault); return new FaultResolution.Fixup(fault.rip() + 3, X86Reg.RAX); });
        cpu.reg(X86Reg.RAX, -1L);
        cpu.reg(X86Reg.RBX, 0);
        cpu.reg(X86Reg.RDI, address);
        return cpu.run(code.address(), code.end(), Budget.SHORT);
    }

    /** Runs {@code code} with RDI = 0x10 (no region there), every fault fixed up; returns the faults taken. */
    private static List<PageFault> nullLoadWithFixup(Cpu cpu, Stubs.Stub code) {
        List<PageFault> seen = new ArrayList<>();
        assertInstanceOf(RunResult.Returned.class, loadWithFixup(cpu, code, 0x10, seen));
        return seen;
    }

    @Test
    void nullDereferenceAtCpl0IsANotPresentFaultAndFixupResumes() {
        try (Guest g = new Guest(1)) {
            Stubs.Stub code = g.kernelCode(LOAD_THEN_MOV);
            assertEquals(List.of(new PageFault(0x10, 0, code.address(), 0, false)), nullLoadWithFixup(g.kernel, code));
            assertEquals(0, g.kernel.reg(X86Reg.RAX));
            assertEquals(5, g.kernel.reg(X86Reg.RBX));
        }
    }

    @Test
    void nullDereferenceAtCpl3CarriesTheUserBitAndFixupResumes() {
        try (Guest g = new Guest(1)) {
            Stubs.Stub code = g.userCode(LOAD_THEN_MOV);
            assertEquals(List.of(new PageFault(0x10, PageFault.PF_USER, code.address(), 3, false)), nullLoadWithFixup(g.user, code));
            assertEquals(5, g.user.reg(X86Reg.RBX));
            assertEquals(3, g.user.cpl());
        }
    }

    /** Non-canonical addresses raise #GP (vector 13), not #PF, at both privilege levels. */
    @Test
    void nonCanonicalAddressIsAGeneralProtectionFault() {
        long wild = 0x8000_0000_0000_1000L;
        try (Guest g = new Guest(1)) {
            List<PageFault> seen = new ArrayList<>();
            RunResult.Trapped k = assertInstanceOf(RunResult.Trapped.class, loadWithFixup(g.kernel, g.kernelCode(LOAD_THEN_MOV), wild, seen));
            RunResult.Trapped u = assertInstanceOf(RunResult.Trapped.class, loadWithFixup(g.user, g.userCode(LOAD_THEN_MOV), wild, seen));
            assertEquals(13, k.vector());
            assertEquals(13, u.vector());
            assertEquals(List.of(), seen, "no page fault is raised");
        }
    }

    @Test
    void writeToAMissingPageCarriesTheWriteBit() {
        try (Guest g = new Guest(1)) {
            Stubs.Stub store = g.userCode(Guest.x86(0x48, 0x89, 0x07));   // mov [rdi], rax
            g.user.setFaultHandler((fault, c) -> FaultResolution.DELIVER);
            g.user.reg(X86Reg.RDI, 0x20);
            RunResult.Delivered d = assertInstanceOf(RunResult.Delivered.class, g.user.run(store.address(), store.end(), Budget.SHORT));
            assertEquals(PageFault.PF_USER | PageFault.PF_WRITE, d.fault().errorCode());
        }
    }

    /** A fetch from a missing page is #PF at the target with the I/D bit (EFER.NXE is on). */
    @Test
    void jumpToAnUnmappedAddressIsAFetchFaultDeliveredAtTheTarget() {
        try (Guest g = new Guest(1)) {
            Stubs.Stub jump = g.userCode(Guest.x86(0xFF, 0xE1));           // jmp rcx
            g.user.setFaultHandler((fault, c) -> FaultResolution.DELIVER);
            g.user.reg(X86Reg.RCX, 0x40);
            RunResult.Delivered d = assertInstanceOf(RunResult.Delivered.class, g.user.run(jump.address(), jump.end(), Budget.SHORT));
            assertEquals(new PageFault(0x40, PageFault.PF_USER | PageFault.PF_INSTR, 0x40, 3, false), d.fault());
        }
    }

    /** A present PTE whose frame has no RAM behind it: the fault is flagged noRegion and a fixup resumes. */
    @Test
    void presentPteToAFrameWithoutRamIsANoRegionFault() {
        try (Guest g = new Guest(1)) {
            g.machine.kernelPageTable().map(g.kva(0), NO_RAM, PteFlag.RW);
            List<PageFault> seen = new ArrayList<>();
            Stubs.Stub code = g.kernelCode(LOAD_THEN_MOV);
            assertInstanceOf(RunResult.Returned.class, loadWithFixup(g.kernel, code, g.kva(0), seen));
            assertEquals(List.of(new PageFault(NO_RAM, 0, code.address(), 0, true)), seen, "the address is the frame's: the engine reports the physical access");
            assertEquals(5, g.kernel.reg(X86Reg.RBX));
        }
    }

    /**
     * Deliver after the block has already run several times, with the faulting load in the
     * middle of it: RIP is exactly the faulting instruction and the registers hold the state
     * before it (measured).
     */
    @Test
    void deliverLeavesRipAtTheFaultingInstructionInTheMiddleOfAHotBlock() {
        try (Guest g = new Guest(1)) {
            g.mapKernel(0, PteFlag.RW);
            Stubs.Stub loop = g.kernelCode(Guest.x86(
                0x48, 0x83, 0xC7, 0x08,                // loop: add rdi, 8
                0x48, 0x8B, 0x07,                      //       mov rax, [rdi]   (at +4; page 1 not present)
                0x48, 0xFF, 0xC9,                      //       dec rcx
                0x75, 0xF4));                          //       jnz loop
            g.kernel.setFaultHandler((fault, c) -> FaultResolution.DELIVER);
            g.kernel.reg(X86Reg.RDI, g.kva(1) - 40);
            g.kernel.reg(X86Reg.RCX, 100);
            RunResult.Delivered d = assertInstanceOf(RunResult.Delivered.class, g.kernel.run(loop.address(), loop.end(), Budget.SHORT));
            assertEquals(new PageFault(g.kva(1), 0, loop.address() + 4, 0, false), d.fault());
            assertEquals(loop.address() + 4, g.kernel.reg(X86Reg.RIP));
            assertEquals(g.kva(1), g.kernel.reg(X86Reg.RDI));
            assertEquals(96, g.kernel.reg(X86Reg.RCX), "four iterations completed");
        }
    }
}
