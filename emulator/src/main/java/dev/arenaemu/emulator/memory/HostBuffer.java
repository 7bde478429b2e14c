package dev.arenaemu.emulator.memory;

import java.lang.foreign.MemorySegment;

/**
 * Guest RAM owned by Java: host memory with a physical address. It is mapped once per engine, as
 * one Unicorn region at {@code physBase}; Unicorn 2.1.4 walks the page tables and reads the frame
 * a PTE names, so a virtual mapping of these bytes is only a PTE naming {@code phys(offset)}.
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
