package dev.arenaemu.emulator.memory;

import java.lang.foreign.MemorySegment;
import java.util.BitSet;

/**
 * Hands out zeroed 4 KiB pages for page tables from one host buffer whose region address equals
 * its physical address, so Unicorn's page walk reads exactly these bytes.
 *
 * <p>Beside the bytes it keeps, per table page, how many present leaves lie below it: {@code
 * PageTable} adjusts the count on every leaf it makes present or absent (it is the only writer of
 * P; the CPU only sets A and D), and walks skip subtrees whose count is 0. An arena pre-populates
 * 2048 empty leaf tables (E4+), which a walk would otherwise read entry by entry. The count lives
 * here, not in a {@code PageTable}, because tables are shared between roots (the kernel half).
 */
public final class PageTablePool {
    private final HostBuffer buffer;
    private final BitSet used = new BitSet();
    private final int capacity;
    private final int[] presentLeavesBelow;
    private int inUse;
    /** Pages at or above this index were never handed out: still zero from the host's mmap. */
    private int neverUsed;

    PageTablePool(HostBuffer buffer) {
        this.buffer = buffer;
        this.capacity = (int) (buffer.size() >>> 12);
        this.presentLeavesBelow = new int[capacity];
    }

    public HostBuffer buffer() {
        return buffer;
    }

    /** Allocates a zeroed table page and returns its physical address. */
    public long allocate() {
        int index = used.nextClearBit(0);
        if (index >= capacity) throw new OutOfMemoryError("page-table pool exhausted (" + capacity + " pages)");
        used.set(index);
        presentLeavesBelow[index] = 0;
        inUse++;
        long offset = (long) index << 12;
        if (index < neverUsed) buffer.memory().asSlice(offset, 4096).fill((byte) 0);
        else neverUsed = index + 1;
        return buffer.phys(offset);
    }

    public void free(long pa) {
        int index = (int) ((pa - buffer.physBase()) >>> 12);
        if (!buffer.containsPhys(pa) || !used.get(index)) throw new IllegalStateException("not an allocated table page: 0x" + Long.toHexString(pa));
        used.clear(index);
        inUse--;
    }

    /** Present leaf entries in the subtree of the table page at {@code pa}; roots are not counted (walks never skip a root). */
    public int presentLeavesBelow(long pa) {
        return presentLeavesBelow[indexOf(pa)];
    }

    /** Called by {@code PageTable} for each table on the path to a leaf that became present (+1) or absent (-1). */
    public void adjustPresentLeaves(long pa, int delta) {
        int index = indexOf(pa);
        int count = presentLeavesBelow[index] + delta;
        if (count < 0) throw new IllegalStateException("present-leaf count of table 0x" + Long.toHexString(pa) + " below zero");
        presentLeavesBelow[index] = count;
    }

    private int indexOf(long pa) {
        return (int) ((pa - buffer.physBase()) >>> 12);
    }

    public int pagesInUse() {
        return inUse;
    }

    /** The table page at physical address {@code pa}, as Java sees the bytes the CPU walks. */
    public MemorySegment table(long pa) {
        return buffer.memory().asSlice(pa - buffer.physBase(), 4096);
    }

    /** Reads entry {@code index} of the table at {@code pa}. */
    public long read(long pa, int index) {
        return buffer.memory().get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, pa - buffer.physBase() + 8L * index);
    }

    public void write(long pa, int index, long entry) {
        buffer.memory().set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, pa - buffer.physBase() + 8L * index, entry);
    }
}
