package dev.arenaemu.emulator.memory;

import dev.arenaemu.emulator.ffm.HostMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
    /** The live buffers by physical base, for {@link #bytes}. */
    private final TreeMap<Long, HostBuffer> byPhys = new TreeMap<>();
    /** Each buffer's own arena: closing it unmaps the host memory and invalidates the segment. */
    private final Map<HostBuffer, Arena> owners = new IdentityHashMap<>();
    private long nextData = DATA_BASE;
    /** Where allocation stood at the end of the machine's boot ({@link #markBoot}). */
    private long bootData = -1;
    private int bootBuffers;
    /**
     * Buffers of a previous life of the machine (before {@link #reset}), by physical base: the
     * next allocation of the same size at the same base takes one over, host memory and engine
     * regions included. Any other allocation overlapping one sends it to the graveyard.
     */
    private final TreeMap<Long, HostBuffer> spares = new TreeMap<>();
    /** Evicted spares: discarded (no RSS) but kept mapped until close, as retired engine regions may still name them. */
    private final List<HostBuffer> graveyard = new ArrayList<>();

    public PhysicalMemory() {
        Arena owner = Arena.ofShared();
        HostBuffer poolBuffer = new HostBuffer("page-table pool", HostMemory.reserve(PT_POOL_SIZE, owner), PT_POOL_BASE);
        // Arenas of v7.0+ pre-populate 2048 leaf tables at creation: 4 host faults, not 2048.
        HostMemory.adviseHugePages(poolBuffer.memory());
        buffers.add(poolBuffer);
        byPhys.put(poolBuffer.physBase(), poolBuffer);
        owners.put(poolBuffer, owner);
        pool = new PageTablePool(poolBuffer);
    }

    public PageTablePool pageTablePool() {
        return pool;
    }

    /** Reserves zeroed host memory of {@code size} bytes and gives it a physical address. */
    public HostBuffer allocate(String name, long size) {
        return reserve(name, size, true).buffer();
    }

    /** A buffer and whether its bytes are known to be zero. */
    public record Reserved(HostBuffer buffer, boolean zeroed) {}

    /**
     * Like {@link #allocate}, for owners that zero every page before handing it out (the kernel's
     * page allocator): a spare taken over keeps its old bytes instead of going back to the host,
     * which saves the host a page fault per page the owner touches again.
     */
    public Reserved allocateUnzeroed(String name, long size) {
        return reserve(name, size, false);
    }

    private Reserved reserve(String name, long size, boolean zero) {
        long aligned = (size + 0xFFF) & ~0xFFFL;
        long base = nextData;
        long end = base + aligned;
        if (end > WINDOW_END) throw new OutOfMemoryError("physical window exhausted allocating " + name);
        HostBuffer spare = spares.get(base);
        HostBuffer buffer;
        Arena owner;
        boolean zeroed = true;
        if (spare != null && spare.size() == aligned) {
            spares.remove(base);
            owner = owners.remove(spare);
            if (zero) HostMemory.discard(spare.memory());   // zero again, as fresh host memory is
            else zeroed = false;
            buffer = new HostBuffer(name, spare.memory(), base);
        } else {
            buryOverlapping(base, end);
            owner = Arena.ofShared();
            buffer = new HostBuffer(name, HostMemory.reserve(aligned, owner), base);
        }
        buffers.add(buffer);
        byPhys.put(base, buffer);
        owners.put(buffer, owner);
        nextData = (end + SLOT_ALIGN - 1) & -SLOT_ALIGN;
        return new Reserved(buffer, zeroed);
    }

    /** Ends boot: {@link #reset} comes back to this point. */
    public void markBoot() {
        bootData = nextData;
        bootBuffers = buffers.size();
    }

    /**
     * Back to the state of {@link #markBoot}: allocation restarts where it stood then, so the
     * same requests get the same physical addresses as on a new machine. The buffers allocated
     * since become spares (see {@link #spares}); they must no longer be used by their old owners.
     */
    public void reset() {
        if (bootData < 0) throw new IllegalStateException("no boot mark");
        List<HostBuffer> since = new ArrayList<>(buffers.subList(bootBuffers, buffers.size()));
        buffers.subList(bootBuffers, buffers.size()).clear();
        for (HostBuffer b : since) byPhys.remove(b.physBase());
        for (HostBuffer b : since) spares.put(b.physBase(), b);
        nextData = bootData;
    }

    private void buryOverlapping(long base, long end) {
        Map.Entry<Long, HostBuffer> below = spares.floorEntry(base);
        List<HostBuffer> hit = new ArrayList<>();
        if (below != null && below.getKey() + below.getValue().size() > base) hit.add(below.getValue());
        for (HostBuffer b : spares.subMap(base, false, end, false).values()) hit.add(b);
        for (HostBuffer b : hit) {
            spares.remove(b.physBase());
            HostMemory.discard(b.memory());
            graveyard.add(b);
        }
    }

    /** Returns a buffer's host memory; its physical range is not reused. */
    public void release(HostBuffer buffer) {
        if (buffer == pool.buffer()) throw new IllegalArgumentException("the page-table pool is never released");
        if (buffers.remove(buffer)) {
            byPhys.remove(buffer.physBase());
            owners.remove(buffer).close();
        }
    }

    /**
     * Returns every buffer's host memory, the page-table pool's included. Engines that map the
     * buffers must be closed first; afterwards any access through a buffer throws.
     */
    @Override
    public void close() {
        for (HostBuffer b : buffers) owners.remove(b).close();
        for (HostBuffer b : spares.values()) owners.remove(b).close();
        for (HostBuffer b : graveyard) owners.remove(b).close();
        buffers.clear();
        byPhys.clear();
        spares.clear();
        graveyard.clear();
    }

    /**
     * The host bytes behind physical [pa, pa + length), which must lie in one buffer: what a frame
     * holds, whichever virtual address shows it.
     */
    public MemorySegment bytes(long pa, long length) {
        Map.Entry<Long, HostBuffer> e = byPhys.floorEntry(pa);
        HostBuffer b = e == null ? null : e.getValue();
        if (b == null || !b.containsPhys(pa) || !b.containsPhys(pa + length - 1)) {
            throw new IllegalArgumentException("no RAM at physical 0x" + Long.toHexString(pa) + " (+" + length + ")");
        }
        return b.memory().asSlice(pa - b.physBase(), length);
    }

    /** Every buffer with a physical address, the page-table pool first. */
    public List<HostBuffer> buffers() {
        return Collections.unmodifiableList(buffers);
    }

    public static boolean inWindow(long address, long length) {
        return address < WINDOW_END && address + length > WINDOW_START;
    }
}
