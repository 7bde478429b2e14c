package dev.arenaemu.emulator.memory;

import java.lang.foreign.MemorySegment;

/**
 * Guest RAM owned by Java: host memory with a physical address. Unicorn 2.0.1 reads the bytes of
 * whatever region sits at a virtual address, so the same buffer is mapped at every virtual base
 * that shows it (kernel alias, each user alias) and at {@code physBase}, the address page-table
 * entries name as their frame (what a Unicorn that translates through frames would use).
 */
public record HostBuffer(String name, MemorySegment memory, long physBase) {
    public long size() {
        return memory.byteSize();
    }

    /** The physical address of the byte at {@code offset}. */
    public long phys(long offset) {
        return physBase + offset;
    }

    public boolean containsPhys(long pa) {
        return pa >= physBase && pa - physBase < size();
    }
}
