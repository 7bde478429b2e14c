package dev.arenaemu.benchmarks;

import dev.arenaemu.emulator.cpu.ContextLayout;
import dev.arenaemu.emulator.ffm.HostMemory;
import dev.arenaemu.emulator.ffm.Unicorn;
import dev.arenaemu.emulator.x86.X86Reg;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The bound the fault benchmarks are compared with: the same guest loop (one #PF per page) and
 * the same answer (install a PTE to a fresh frame and retry, or fix up), driven straight on the
 * binding with the least Java between Unicorn and the PTE write. No Machine, no Cpu, no handler
 * interface, no budgets: hand-built page tables in one RAM region, an interrupt hook that writes
 * the PTE through host memory and clears {@code old_exception} (the one thing every handled #PF
 * needs on Unicorn: emulator/README.md, "Quirks"). What the real fault path costs above this is
 * what the machine's abstractions cost.
 */
final class BareFaultLoop implements AutoCloseable {
    static final int PAGES = EmulatorBench.PAGES;
    private static final long RAM_PHYS = 0x4000_0000L;
    private static final long RAM_SIZE = 16L << 20;
    /** RAM offsets: the tables, then the code page and the GDT. The data pages need two leaf tables (4 MiB), back to back. */
    private static final long PML4 = 0, PDPT = 0x1000, PD = 0x2000, PT_CODE = 0x3000, PT_DATA = 0x4000, CODE = 0x6000, GDT = 0x7000;
    private static final long DATA = 0x10_0000;               // frames for the data pages, from RAM offset 1 MiB
    private static final long CODE_VA = 0x40_0000, DATA_VA = 0x60_0000;   // PD slots 2 and 3-4
    private static final long P = 1, RW = 2, NX = 1L << 63;

    private final Arena arena = Arena.ofShared();
    private final Unicorn uc = new Unicorn();
    private final MemorySegment ram = HostMemory.reserve(RAM_SIZE, arena);
    private final ContextLayout layout = ContextLayout.discover();
    private final Unicorn.Context scratch;
    private final long loopEnd;
    /** The machine's instruction budget, kept the machine's way: a native charge before every instruction. */
    private final Unicorn.Countdown budget = uc.countdown();
    private boolean fixup;
    private long faults;

    /** {@code code}: the loop's bytes (rdi = first page, rcx = page count), as EmulatorBench runs them. */
    BareFaultLoop(byte[] code) {
        uc.setTcgBufferSize(32 << 20);
        uc.memMapPtr(RAM_PHYS, RAM_SIZE, Unicorn.PROT_ALL, ram);
        pte(PML4, 0, RAM_PHYS + PDPT | P | RW);
        pte(PDPT, 0, RAM_PHYS + PD | P | RW);
        pte(PD, 2, RAM_PHYS + PT_CODE | P | RW);
        pte(PD, 3, RAM_PHYS + PT_DATA | P | RW);
        pte(PD, 4, RAM_PHYS + PT_DATA + 0x1000 | P | RW);
        pte(PT_CODE, 0, RAM_PHYS + CODE | P);
        pte(GDT, 1, 0x00AF_9B00_0000_FFFFL);
        pte(GDT, 2, 0x00CF_9300_0000_FFFFL);
        MemorySegment.copy(code, 0, ram, ValueLayout.JAVA_BYTE, CODE, code.length);
        loopEnd = CODE_VA + code.length;
        uc.regWriteTable(X86Reg.GDTR, RAM_PHYS + GDT, 3 * 8 - 1);
        uc.regWrite(X86Reg.CR3, RAM_PHYS + PML4);
        uc.regWrite(X86Reg.CR4, 0x220);
        uc.msrWrite(0xC000_0080, 0xD01);
        uc.regWrite(X86Reg.CR0, 0x8001_0033L);
        uc.regWrite(X86Reg.RSP, RAM_PHYS);                    // no stack use: the loop neither calls nor pushes
        scratch = uc.contextAlloc();
        uc.hookInterrupt(this::onFault);
        uc.hookCharge(0, -1L, budget, 1);
    }

    private void pte(long table, int index, long value) {
        ram.set(ValueLayout.JAVA_LONG, table + 8L * index, value);
    }

    private void onFault(int intno) {
        // The blob is saved anyway (old_exception): CR2 and RIP come from it, as the machine reads them.
        uc.contextSave(scratch);
        var blob = scratch.bytes();
        blob.set(ValueLayout.JAVA_INT_UNALIGNED, layout.oldExceptionOffset(), -1);
        if (fixup) {
            long rip = blob.get(ValueLayout.JAVA_LONG_UNALIGNED, layout.ripOffset());
            uc.contextRestore(scratch);
            uc.regWrite(X86Reg.RAX, 0);
            uc.regWrite(X86Reg.RIP, rip + 3);
        } else {
            long page = (blob.get(ValueLayout.JAVA_LONG_UNALIGNED, layout.cr2Offset()) - DATA_VA) >>> 12;
            pte(PT_DATA, (int) page, RAM_PHYS + DATA + (page << 12) | P | RW | NX);
            uc.contextRestore(scratch);
        }
        faults++;
    }

    /** Every data page absent and no translation cached; {@code discardFrames}: the host forgets the frames too. */
    void reset(boolean discardFrames) {
        ram.asSlice(PT_DATA, 2 * 4096).fill((byte) 0);
        if (discardFrames) HostMemory.discard(ram.asSlice(DATA, (long) PAGES << 12));
        uc.flushTlb();
    }

    /** One pass of the loop over {@link #PAGES} pages: installs and retries, or ({@code fixup}) fixes every fault up. */
    long run(boolean fixup) {
        this.fixup = fixup;
        long before = faults;
        uc.regWrite(X86Reg.RDI, DATA_VA);
        uc.regWrite(X86Reg.RCX, PAGES);
        // The same budget the machine's runs keep (Budget.DEFAULT): charging has a cost.
        budget.set(dev.arenaemu.emulator.cpu.Budget.DEFAULT.instructions());
        int err = uc.startRaw(CODE_VA, loopEnd, 0, 0);
        if (err != 0 || uc.regRead(X86Reg.RIP) != loopEnd || faults - before != PAGES) {
            throw new IllegalStateException("bare loop: err " + err + ", rip 0x" + Long.toHexString(uc.regRead(X86Reg.RIP)) + ", faults " + (faults - before));
        }
        return faults;
    }

    @Override
    public void close() {
        uc.close();
        arena.close();
    }
}
