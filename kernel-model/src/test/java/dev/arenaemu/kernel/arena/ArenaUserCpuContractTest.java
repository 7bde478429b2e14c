package dev.arenaemu.kernel.arena;

import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.emulator.cpu.Cpu;
import dev.arenaemu.emulator.cpu.RunResult;
import dev.arenaemu.emulator.cpu.Stubs;
import dev.arenaemu.emulator.x86.X86Reg;
import dev.arenaemu.emulator.paging.PageTable;
import dev.arenaemu.emulator.paging.PteFlag;
import dev.arenaemu.emulator.trap.FaultResolution;
import dev.arenaemu.kernel.EveryEra;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.KernelEvent;
import dev.arenaemu.kernel.mm.Frames;
import dev.arenaemu.kernel.mm.VmArea;
import dev.arenaemu.kernel.mm.VmFaultResult;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * The contract user-model builds on, exercised with a real CPL3 CPU: a not-present user access
 * goes to the arena's fault handler, the returned frame becomes a user PTE, and a zap clears it
 * and flushes the user TLB. (The user
 * model owns the real version of this; here it is the smallest core mm that shows the kernel
 * side is right: catalogue 28 and 45 at CPL3.)
 */
class ArenaUserCpuContractTest extends MappedArenaTest {
    /** A VMA whose PTEs live in a real user page table of a real user CPU. */
    private static final class CpuVma implements VmArea {
        final PageTable table;
        final Cpu cpu;
        final dev.arenaemu.kernel.mm.Frames frames;
        final long start, end;
        /** Models a zap that releases the page's mapping but forgets to clear the PTE itself. */
        boolean forgetPte;
        long flags = RecordingVma.sharedReadWrite();
        Object priv;

        CpuVma(PageTable table, Cpu cpu, dev.arenaemu.kernel.mm.Frames frames, long start, long end) {
            this.table = table; this.cpu = cpu; this.frames = frames; this.start = start; this.end = end;
        }

        @Override public long start() { return start; }
        @Override public long end() { return end; }
        @Override public long pgoff() { return 0; }
        @Override public long flags() { return flags; }
        @Override public void setFlags(long f) { flags = f; }
        @Override public Object privateData() { return priv; }
        @Override public void setPrivateData(Object d) { priv = d; }
        @Override public Object mm() { return table; }
        @Override public boolean alive() { return true; }

        @Override
        public void zapRange(long from, long length) {
            for (long va = from; va < from + length; va += 4096) {
                long old = forgetPte ? table.entry(va) : table.unmap(va);
                if ((old & PteFlag.P) == 0) continue;
                if (!forgetPte) cpu.flushTlbPage(va);
                long phys = old & PteFlag.FRAME_MASK;
                frames.addMapcount(phys, -1);
                frames.putPage(phys);
            }
        }
    }

    /** An arena of 4 pages mapped in a user root that CPU 1 runs at CPL3, its faults go to the arena's handler (recorded in {@code faults}). */
    private record UserMapping(Arena arena, PageTable table, Cpu cpu, CpuVma vma, List<VmFaultResult> faults) {}

    private UserMapping mapAtCpl3(KernelEra era) {
        fx = new ArenaFixture(era);
        Arena arena = fx.create(ArenaAttr.of(4, 0, 0));
        PageTable userTable = fx.machine.newUserPageTable();
        Cpu user = fx.machine.cpu(1);          // a CPU that loads the user root and drops to CPL3
        user.switchAddressSpace(userTable);
        user.enterUserMode();
        long len = 4 * Arena.PAGE_SIZE;
        long addr = arena.getUnmappedArea(X, len, 0, 0, (h, l, f) -> h);
        CpuVma vma = new CpuVma(userTable, user, fx.kernel.frames(), addr, addr + len);
        assertEquals(0, arena.mmap(vma));
        List<VmFaultResult> faults = new ArrayList<>();
        user.setFaultHandler((fault, cpu) -> {
            VmFaultResult r = arena.vmOperations().fault(vma, fault.address() & -4096L, fault.write());
            faults.add(r);
            if (!(r instanceof VmFaultResult.Page page)) return FaultResolution.DELIVER;
            userTable.map(fault.address() & -4096L, page.phys(), PteFlag.US | PteFlag.RW | PteFlag.NX);
            fx.kernel.frames().addMapcount(page.phys(), 1);
            return FaultResolution.RETRY;
        });
        return new UserMapping(arena, userTable, user, vma, faults);
    }

    @EveryEra
    void cpl3AccessFaultsInThroughTheArenaAndLosesThePageOnFree(KernelEra era) {
        UserMapping m = mapAtCpl3(era);
        Arena arena = m.arena();
        Cpu user = m.cpu();
        List<VmFaultResult> faults = m.faults();
        Stubs.Stub load = fx.machine.stubs().user(new byte[] {0x48, (byte) 0x8B, 0x07});   // mov rax, [rdi]

        long p = arena.allocPages(X, 1, -1, 0);
        fx.kernelStore(arena.kernelAddress(p), 0x4242);
        user.reg(X86Reg.RDI, p);
        assertInstanceOf(RunResult.Returned.class, user.run(load.address(), load.end(), Budget.SHORT));
        assertEquals(0x4242, user.reg(X86Reg.RAX), "CPL3 sees what BPF wrote");
        assertInstanceOf(VmFaultResult.Page.class, faults.getFirst());

        arena.freePages(p, 1);   // user-mapped single page: zapped through the VMA
        user.reg(X86Reg.RDI, p);
        assertInstanceOf(RunResult.Returned.class, user.run(load.address(), load.end(), Budget.SHORT));
        assertEquals(0, user.reg(X86Reg.RAX), "a fresh zero page after the zap and re-fault");
        assertEquals(2, faults.size(), "the stale user TLB entry was flushed");
    }

    /**
     * What a user PTE that a zap forgot does with real frames: zap_pages drops the mapping's page
     * reference but (in this modelled bug) leaves the PTE; bpf_arena_free_pages then frees the
     * frame (page poisoning fills it). The PTE still names the frame, so a CPL3 store lands in
     * the freed frame, and the page allocator reports the change when it hands that frame out
     * again (mm/page_poison.c's check): a use-after-free, caught.
     */
    @EveryEra
    void aStoreThroughAUserPteTheZapForgotLandsInTheFreedFrameAndIsReportedAsUseAfterFree(KernelEra era) {
        UserMapping m = mapAtCpl3(era);
        Arena arena = m.arena();
        Cpu user = m.cpu();
        PageTable userTable = m.table();
        CpuVma vma = m.vma();
        Stubs.Stub store = fx.machine.stubs().user(new byte[] {0x48, (byte) 0x89, 0x37});   // mov [rdi], rsi

        long p = arena.allocPages(X, 1, -1, 0);
        long frame = arena.kernVm().pageAt(arena.kernelAddress(p));
        user.reg(X86Reg.RDI, p);
        user.reg(X86Reg.RSI, 1);
        assertInstanceOf(RunResult.Returned.class, user.run(store.address(), store.end(), Budget.SHORT));   // faults in

        vma.forgetPte = true;
        arena.freePages(p, 1);
        assertEquals(frame, userTable.entry(p) & PteFlag.FRAME_MASK, "the forgotten user PTE still names the frame");
        assertEquals(Frames.PAGE_POISON, fx.kernel.frames().bytes(frame).getByte(8), "freed and poisoned");

        user.reg(X86Reg.RDI, p + 8);
        user.reg(X86Reg.RSI, 0x5555);
        assertInstanceOf(RunResult.Returned.class, user.run(store.address(), store.end(), Budget.SHORT));
        assertEquals(1, m.faults().size(), "no second fault: the forgotten PTE served the store");
        assertEquals(0x5555, fx.kernel.frames().bytes(frame).getLong(8), "it landed in the freed frame");

        assertEquals(frame, fx.kernel.frames().allocPage("next user"), "the freed frame is handed out next");
        KernelEvent.UseAfterFree uaf = assertInstanceOf(KernelEvent.UseAfterFree.class, fx.kernel.events().getLast());
        assertEquals(frame, uaf.phys());
        assertEquals(8, uaf.offset());
    }
}
