package dev.arenaemu.emulator.cpu;

import dev.arenaemu.emulator.x86.X86Reg;
import dev.arenaemu.emulator.paging.Pte;
import dev.arenaemu.emulator.paging.PteFlag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The emulated MMU walks our page-table bytes and writes A/D into them (Intel SDM vol. 3, 4.8). */
class PageTableHardwareBitsTest {
    @Test
    void loadSetsAccessedAndStoreSetsDirtyInOurEntries() {
        try (Guest g = new Guest(4)) {
            g.mapKernel(0, PteFlag.RW);
            g.poke(0, 0, 0x1234);
            Pte before = g.machine.kernelPageTable().walk(g.kva(0));
            assertFalse(before.accessed() || before.dirty(), "fresh entry: " + before);

            Stubs.Stub load = g.kernelCode(Guest.x86(0x48, 0x8B, 0x07));    // mov rax, [rdi]
            g.kernel.reg(X86Reg.RDI, g.kva(0));
            assertInstanceOf(RunResult.Returned.class, g.kernel.run(load.address(), load.end(), Budget.SHORT));
            assertEquals(0x1234, g.kernel.reg(X86Reg.RAX));
            Pte afterLoad = g.machine.kernelPageTable().walk(g.kva(0));
            assertTrue(afterLoad.accessed() && !afterLoad.dirty(), "after a load: " + afterLoad);

            Stubs.Stub store = g.kernelCode(Guest.x86(0x48, 0x89, 0x07));   // mov [rdi], rax
            g.kernel.reg(X86Reg.RAX, 0x5678);
            assertInstanceOf(RunResult.Returned.class, g.kernel.run(store.address(), store.end(), Budget.SHORT));
            Pte afterStore = g.machine.kernelPageTable().walk(g.kva(0));
            assertTrue(afterStore.accessed() && afterStore.dirty(), "after a store: " + afterStore);
            assertEquals(g.data.phys(0), afterStore.frame(), "the frame is untouched");
            assertEquals(0x5678, g.peek(0, 0), "the store landed in the host buffer");
        }
    }
}
