package dev.arenaemu.kernel.arena;

import dev.arenaemu.emulator.paging.Pte;
import dev.arenaemu.kernel.EveryEra;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.inject.InjectionSite;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The arena against the real machine: kernel PTEs in the kernel page table, CPL0 instructions on
 * the kernel CPU through kern_vm_start, TLB flushes on removal.
 */
class ArenaMachineTest extends MappedArenaTest {
    @EveryEra
    void allocatedPageIsAKernelPteWhoseBytesCpl0Reads(KernelEra era) {
        Arena arena = mapped(era, 8);
        long p = arena.allocPages(X + 0x3000, 1, -1, 0);
        long k = arena.kernVmStart() + 0x3000;
        Pte pte = fx.machine.kernelPageTable().walk(k);
        assertTrue(pte.present() && pte.writable() && !pte.user(), "supervisor RW kernel PTE: " + pte);
        assertTrue(fx.kernel.frames().inUse(pte.frame()), "the PTE names an allocated frame: " + pte);
        assertTrue(pte.noExecute(), "PAGE_KERNEL is not executable: " + pte);
        fx.kernel.frames().bytes(pte.frame()).putLong(8, 0x1122_3344_5566_7788L);
        assertEquals(0x1122_3344_5566_7788L, fx.kernelLoad(arena.kernelAddress(p) + 8));
        assertTrue(fx.kernelFaults.isEmpty());
    }

    @EveryEra
    void freeUnderTheSinglePageFlushCeilingDropsEachPagesCachedTranslation(KernelEra era) {
        Arena arena = mapped(era, 8);
        long p = arena.allocPages(0, 3, -1, 0);
        for (int i = 0; i < 3; i++) fx.kernelStore(arena.kernelAddress(p + i * 4096L), i + 1);
        for (int i = 0; i < 3; i++) assertEquals(i + 1, fx.kernelLoad(arena.kernelAddress(p + i * 4096L)), "cached: page " + i);
        arena.freePages(p, 3);
        for (int i = 0; i < 3; i++) assertEquals(0, fx.kernelLoad(arena.kernelAddress(p + i * 4096L)), "page " + i);
        assertEquals(3, fx.kernelFaults.size(), "every freed page faults: no stale translation survived");
    }

    @EveryEra
    void bulkFreeFlushesEveryCachedTranslation(KernelEra era) {
        Arena arena = mapped(era, 64);
        long p = arena.allocPages(0, 40, -1, 0);   // more pages than the single-page flush ceiling
        for (int i = 0; i < 40; i++) fx.kernelStore(arena.kernelAddress(p + i * 4096L), i + 1);
        for (int i = 0; i < 40; i++) assertEquals(i + 1, fx.kernelLoad(arena.kernelAddress(p + i * 4096L)));
        arena.freePages(p, 40);
        for (int i = 0; i < 40; i++) assertEquals(0, fx.kernelLoad(arena.kernelAddress(p + i * 4096L)), "page " + i);
        assertEquals(40, fx.kernelFaults.size());
    }

    @ParameterizedTest
    @EnumSource(value = InjectionSite.class, names = {"PAGE_ALLOC", "KERNEL_PTE_INSTALL", "PAGE_ARRAY_ALLOC"})
    void injectedAllocationFailureLeavesNoPteNoFrameNoFreeSetChange(InjectionSite site) {
        for (KernelEra era : KernelEra.values()) {
            Arena arena = mapped(era, 8);
            long framesBefore = fx.kernel.frames().used();
            List<RangeTree.Run> freeBefore = arena.freeRuns();
            fx.kernel.faultInjection().failNth(site, site == InjectionSite.PAGE_ARRAY_ALLOC ? 1 : 2);   // one array per call, one page/PTE per page
            assertEquals(0, arena.allocPages(0, 3, -1, 0), era + " " + site);
            List<Long> kernelPtes = new java.util.ArrayList<>();
            fx.machine.kernelPageTable().forEachPresent(arena.kernVm().addr(), arena.kernVm().addr() + arena.kernVm().size(), kernelPtes::add);
            assertTrue(kernelPtes.isEmpty(), "kernel page table has no arena PTE: " + kernelPtes);
            assertEquals(framesBefore, fx.kernel.frames().used());
            assertEquals(freeBefore, arena.freeRuns());
            assertEquals(0, fx.kernelLoad(arena.kernVmStart()));
            fx.close();
            fx = null;
        }
    }

    @EveryEra
    void guardHalvesAreRegionsWithoutPtes(KernelEra era) {
        Arena arena = mapped(era, 8);
        assertEquals(0, fx.kernelLoad(arena.kernVmStart() - 8), "lower guard faults (no #UNMAPPED)");
        assertEquals(0, fx.kernelLoad(arena.kernVmStart() + Arena.SZ_4G + 8), "upper guard faults");
        assertEquals(2, fx.kernelFaults.size());
        assertFalse(fx.kernelFaults.getFirst().noRegion(), "a real #PF from the page walk");
    }

    /**
     * Catalogue 49 with the free called from inside a CPL0 run, as JIT'd code calls the kfunc:
     * store, kfunc (a code hook), load — the load in the same run must fault (flush inside a run).
     */
    @EveryEra
    void scenario49_freeCalledFromInsideARunFlushesBeforeTheNextLoad(KernelEra era) {
        Arena arena = mapped(era, 40);
        long p = arena.allocPages(0, 34, -1, 0);
        long k = arena.kernelAddress(p);
        for (int i = 0; i < 34; i++) assertEquals(0, fx.kernelLoad(k + i * 4096L), "fill the TLB");
        var stub = fx.machine.stubs().kernel(new byte[] {
            0x48, (byte) 0x89, 0x37,          // mov [rdi], rsi
            (byte) 0x90,                      // nop: the kfunc call
            0x48, (byte) 0x8B, 0x07});        // mov rax, [rdi]
        fx.machine.kernelCpu().hookCode(stub.address() + 3, stub.address() + 3, (address, size) -> arena.freePages(p, 34));
        var cpu = fx.machine.kernelCpu();
        cpu.reg(dev.arenaemu.emulator.x86.X86Reg.RDI, k);
        cpu.reg(dev.arenaemu.emulator.x86.X86Reg.RSI, 5);
        int before = fx.kernelFaults.size();
        var r = cpu.run(stub.address(), stub.end(), dev.arenaemu.emulator.cpu.Budget.SHORT);
        assertTrue(r instanceof dev.arenaemu.emulator.cpu.RunResult.Returned, r.toString());
        assertEquals(0, cpu.reg(dev.arenaemu.emulator.x86.X86Reg.RAX), "the load after the free read 0");
        assertEquals(1, fx.kernelFaults.size() - before, "and it faulted: no stale translation");
        assertEquals(0, arena.populatedPages());
    }
}
