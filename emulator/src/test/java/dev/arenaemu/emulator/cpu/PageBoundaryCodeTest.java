package dev.arenaemu.emulator.cpu;

import dev.arenaemu.emulator.x86.X86Reg;
import dev.arenaemu.emulator.paging.PteFlag;
import dev.arenaemu.emulator.trap.FaultResolution;
import dev.arenaemu.emulator.trap.PageFault;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Code at page starts, and runs that end at a page start. Unicorn 2.1.4 (as 2.0.1 did) translates
 * the `until` address as a zero-length block and then looks up the code page of its last byte, which for a
 * page-aligned `until` is the page before (tb_gen_code: (pc + size - 1) & PAGE_MASK). The CPU
 * absorbs that probe; these tests pin down that nothing leaks (emulator/README.md
 * quirk 2).
 */
class PageBoundaryCodeTest {
    private static void put(Guest g, long page, long offset, byte[] code) {
        g.data.memory().asSlice(page * 4096 + offset, code.length).copyFrom(MemorySegment.ofArray(code));
    }

    private static final byte[] MOV_RAX_7_JMP_RCX = Guest.x86(
        0x48, 0xC7, 0xC0, 0x07, 0, 0, 0,              // mov rax, 7
        0xFF, 0xE1);                                  // jmp rcx

    @Test
    void userCodeStartingAtAPageStartRunsWhenThePreviousPageIsAbsent() {
        try (Guest g = new Guest(4)) {
            List<PageFault> seen = deliverAndRecordFaults(g.user);
            g.mapUser(1, Guest.RW_USER);
            put(g, 1, 0, Guest.x86(0x48, 0xC7, 0xC0, 0x05, 0, 0, 0));   // mov rax, 5 at the first byte of the page
            assertInstanceOf(RunResult.Returned.class, g.user.run(g.uva(1), g.uva(1) + 7, Budget.SHORT));
            assertEquals(5, g.user.reg(X86Reg.RAX));
            assertEquals(List.of(), seen);
        }
    }

    @Test
    void jumpingToAPageAlignedUntilReturnsAtCpl3EvenWhenThePreviousPageIsAbsent() {
        try (Guest g = new Guest(8)) {
            List<PageFault> seen = deliverAndRecordFaults(g.user);
            g.mapUser(3, Guest.RW_USER);
            g.mapUser(5, Guest.RW_USER);                 // page 4, before `until`, stays absent
            put(g, 3, 0x10, MOV_RAX_7_JMP_RCX);
            for (int round = 0; round < 3; round++) {    // again and again: no #DF builds up
                g.user.reg(X86Reg.RCX, g.uva(5));
                assertEquals(new RunResult.Returned(g.uva(5)), g.user.run(g.uva(3) + 0x10, g.uva(5), Budget.SHORT));
            }
            assertEquals(List.of(), seen, "the handler never sees the probe of page 4");
            g.user.reg(X86Reg.RDI, g.uva(6));
            Stubs.Stub load = g.userCode(Guest.x86(0x48, 0x8B, 0x07));  // mov rax, [rdi]
            RunResult.Delivered d = assertInstanceOf(RunResult.Delivered.class, g.user.run(load.address(), load.end(), Budget.SHORT));
            assertEquals(0x4, d.fault().errorCode(), "a real fault afterwards is still a #PF");
        }
    }

    @Test
    void jumpingToAPageAlignedUntilReturnsAtCpl0EvenWhenThatPageIsAbsent() {
        try (Guest g = new Guest(8)) {
            List<PageFault> seen = deliverAndRecordFaults(g.kernel);
            g.mapKernel(3, PteFlag.RW);                  // pages 4 and 5 absent: `until` itself is not mapped
            put(g, 3, 0x10, MOV_RAX_7_JMP_RCX);
            g.kernel.reg(X86Reg.RCX, g.kva(5));
            assertEquals(new RunResult.Returned(g.kva(5)), g.kernel.run(g.kva(3) + 0x10, g.kva(5), Budget.SHORT));
            assertEquals(7, g.kernel.reg(X86Reg.RAX));
            assertEquals(List.of(), seen);
        }
    }

    @Test
    void userStubsMayStartAtThePageStartOfTheUserStubPage() {
        try (Guest g = new Guest(1)) {
            // the first user stub the machine placed (the park address iretq enters) is at the page start
            assertEquals(Machine.VSYSCALL_VA, g.machine.stubs().userPark().address());
            assertEquals(3, g.user.cpl());
        }
    }

    /** Makes {@code cpu} deliver every page fault and returns the list it records them in. */
    private static List<PageFault> deliverAndRecordFaults(Cpu cpu) {
        List<PageFault> seen = new ArrayList<>();
        cpu.setFaultHandler((f, c) -> { seen.add(f); return FaultResolution.DELIVER; });
        return seen;
    }
}
