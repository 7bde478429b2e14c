package dev.arenaemu.emulator.memory;

import dev.arenaemu.emulator.ffm.HostMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The machine's physical address space: where each {@link HostBuffer} sits.
 *
 * <p>Layout: the page-table pool at {@link #PT_POOL_BASE} (its region's address is its physical
 * address, which is where Unicorn's page walk reads), then data buffers placed upwards from
 * {@link #DATA_BASE}, each 4 GiB-aligned with a guard gap, below the CPU's 40-bit physical limit.
 * This window [{@link #WINDOW_START}, {@link #WINDOW_END}) is never handed out as a user virtual
 * address: every engine has regions there.
 */
public final class PhysicalMemory implements AutoCloseable {
    public static final long WINDOW_START = 0x4000_0000L;          // 1 GiB
    public static final long PT_POOL_BASE = WINDOW_START;
    public static final long PT_POOL_SIZE = 256L << 20;            // 65536 table pages
    public static final long DATA_BASE = 0x10_0000_0000L;          // 64 GiB
    public static final long WINDOW_END = 1L << 40;                // qemu64 has 40 physical bits
    private static final long SLOT_ALIGN = 1L << 32;

    private final PageTablePool pool;
    private final List<HostBuffer> buffers = new ArrayList<>();
    /** Each buffer's own arena: closing it unmaps the host memory and invalidates the segment. */
    private final Map<HostBuffer, Arena> owners = new IdentityHashMap<>();
    private long nextData = DATA_BASE;

    public PhysicalMemory() {
        Arena owner = Arena.ofShared();
        HostBuffer poolBuffer = new HostBuffer("page-table pool", HostMemory.reserve(PT_POOL_SIZE, owner), PT_POOL_BASE);
        buffers.add(poolBuffer);
        owners.put(poolBuffer, owner);
        pool = new PageTablePool(poolBuffer);
    }

    public PageTablePool pageTablePool() {
        return pool;
    }

    /** Reserves zeroed host memory of {@code size} bytes and gives it a physical address. */
    public HostBuffer allocate(String name, long size) {
        long aligned = (size + 0xFFF) & ~0xFFFL;
        long base = nextData;
        long end = base + aligned;
        if (end > WINDOW_END) throw new OutOfMemoryError("physical window exhausted allocating " + name);
        Arena owner = Arena.ofShared();
        MemorySegment memory = HostMemory.reserve(aligned, owner);
        HostBuffer buffer = new HostBuffer(name, memory, base);
        buffers.add(buffer);
        owners.put(buffer, owner);
        nextData = (end + SLOT_ALIGN - 1) & -SLOT_ALIGN;
        return buffer;
    }

    /** Returns a buffer's host memory; its physical range is not reused. */
    public void release(HostBuffer buffer) {
        if (buffer == pool.buffer()) throw new IllegalArgumentException("the page-table pool is never released");
        if (buffers.remove(buffer)) owners.remove(buffer).close();
    }

    /**
     * Returns every buffer's host memory, the page-table pool's included. Engines that map the
     * buffers must be closed first; afterwards any access through a buffer throws.
     */
    @Override
    public void close() {
        for (HostBuffer b : buffers) owners.remove(b).close();
        buffers.clear();
    }

    /** Every buffer with a physical address, the page-table pool first. */
    public List<HostBuffer> buffers() {
        return Collections.unmodifiableList(buffers);
    }

    public static boolean inWindow(long address, long length) {
        return address < WINDOW_END && address + length > WINDOW_START;
    }
}
