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
 * The #PF error code comes from the CPU (read out of the uc_context blob), with P/W/U as the SDM
 * defines them (SDM 4.7; the kernel decodes the same bits in do_user_addr_fault). The API
 * exposes no error code: {@link ContextLayout} finds it in the blob (emulator/README.md quirk 1).
 */
class PageFaultErrorCodeTest {
    private static final byte[] LOAD = Guest.x86(0x48, 0x8B, 0x07);    // mov rax, [rdi]
    private static final byte[] STORE = Guest.x86(0x48, 0x89, 0x07);   // mov [rdi], rax

    private static PageFault deliveredFault(Cpu cpu, Stubs.Stub code, long address) {
        List<PageFault> seen = new ArrayList<>();
        cpu.setFaultHandler((fault, c) -> { seen.add(fault); return FaultResolution.DELIVER; });
        cpu.reg(X86Reg.RDI, address);
        RunResult r = cpu.run(code.address(), code.end(), Budget.SHORT);
        RunResult.Delivered d = assertInstanceOf(RunResult.Delivered.class, r);
        assertEquals(List.of(d.fault()), seen, "the handler saw exactly the delivered fault");
        assertEquals(address, d.fault().address());
        assertEquals(code.address(), d.fault().rip());
        return d.fault();
    }

    @Test
    void userReadOfSupervisorPageFaultsWithUserAndPresentBits() {
        try (Guest g = new Guest(4)) {
            g.mapUser(0, PteFlag.RW);                       // present, supervisor only
            PageFault f = deliveredFault(g.user, g.userCode(LOAD), g.uva(0));
            assertEquals(PageFault.PF_USER | PageFault.PF_PROT, f.errorCode());   // 0x5
            assertEquals(3, f.cpl());
            assertTrue(f.user() && f.present() && !f.write() && !f.noRegion());
        }
    }

    @Test
    void kernelWriteToReadOnlyPageFaultsWithWriteAndPresentBitsBecauseCr0WpIsSet() {
        try (Guest g = new Guest(4)) {
            g.mapKernel(0, 0);                              // present, read-only
            PageFault f = deliveredFault(g.kernel, g.kernelCode(STORE), g.kva(0));
            assertEquals(PageFault.PF_WRITE | PageFault.PF_PROT, f.errorCode());  // 0x3
            assertEquals(0, f.cpl());
        }
    }

    @Test
    void userWriteToReadOnlyPageFaultsWithWritePresentAndUserBits() {
        try (Guest g = new Guest(4)) {
            g.mapUser(0, PteFlag.US);                       // present, user, read-only
            PageFault f = deliveredFault(g.user, g.userCode(STORE), g.uva(0));
            assertEquals(PageFault.PF_USER | PageFault.PF_WRITE | PageFault.PF_PROT, f.errorCode());  // 0x7
        }
    }

    @Test
    void notPresentFaultsCarryOnlyTheAccessBits() {
        try (Guest g = new Guest(4)) {
            assertEquals(0x0, deliveredFault(g.kernel, g.kernelCode(LOAD), g.kva(1)).errorCode());
            assertEquals(0x2, deliveredFault(g.kernel, g.kernelCode(STORE), g.kva(1)).errorCode());
            assertEquals(0x4, deliveredFault(g.user, g.userCode(LOAD), g.uva(1)).errorCode());
            assertEquals(0x6, deliveredFault(g.user, g.userCode(STORE), g.uva(1)).errorCode());
        }
    }
}
