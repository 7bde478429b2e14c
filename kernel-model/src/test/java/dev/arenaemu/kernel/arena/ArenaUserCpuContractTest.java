package dev.arenaemu.kernel.arena;

import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.emulator.cpu.Cpu;
import dev.arenaemu.emulator.cpu.RunResult;
import dev.arenaemu.emulator.cpu.Stubs;
import dev.arenaemu.emulator.ffm.X86Reg;
import dev.arenaemu.emulator.paging.PageTable;
import dev.arenaemu.emulator.paging.PteFlag;
import dev.arenaemu.emulator.trap.FaultResolution;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.mm.VmArea;
import dev.arenaemu.kernel.mm.VmFaultResult;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * The contract user-model builds on, exercised with a real CPL3 CPU: the user range is a region
 * over {@link Arena#backing}, a not-present user access goes to the arena's fault handler, the
 * returned frame becomes a user PTE, and a zap clears it and flushes the user TLB. (The user
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
                long old = table.unmap(va);
                if ((old & PteFlag.P) == 0) continue;
                cpu.flushTlbPage(va);
                long phys = old & PteFlag.FRAME_MASK;
                frames.addMapcount(phys, -1);
                frames.putPage(phys);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(KernelEra.class)
    void cpl3AccessFaultsInThroughTheArenaAndLosesThePageOnFree(KernelEra era) {
        fx = new ArenaFixture(era);
        Arena arena = fx.create(ArenaAttr.of(4, 0, 0));
        PageTable userTable = fx.machine.newUserPageTable();
        Cpu user = fx.machine.newUserCpu(userTable);
        long len = 4 * Arena.PAGE_SIZE;
        long addr = arena.getUnmappedArea(X, len, 0, 0, (h, l, f) -> h);
        CpuVma vma = new CpuVma(userTable, user, fx.kernel.frames(), addr, addr + len);
        assertEquals(0, arena.mmap(vma));

        List<VmFaultResult> faults = new ArrayList<>();
        user.setFaultHandler((fault, cpu) -> {
            VmFaultResult r = arena.vmOperations().fault(vma, fault.address() & -4096L, fault.write());
            faults.add(r);
            if (!(r instanceof VmFaultResult.Page page)) return FaultResolution.DELIVER;
            userTable.map(fault.address() & -4096L, page.phys(), PteFlag.US | PteFlag.RW);
            fx.kernel.frames().addMapcount(page.phys(), 1);
            return FaultResolution.RETRY;
        });
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
}
