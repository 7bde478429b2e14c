package dev.arenaemu.user.mm;

import com.google.common.collect.Range;
import com.google.common.collect.RangeSet;
import com.google.common.collect.TreeRangeSet;
import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.emulator.memory.HostBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * The RAM behind the anonymous private mappings of a machine's processes. Each anonymous VMA gets a
 * contiguous slice of host memory, its pages' frames in order. That layout dates from Unicorn
 * 2.0.1, which read a region's own bytes at a virtual address; on 2.1.4 the PTEs name the frames
 * and the slice is only where they are. Slices come from a few large chunks (each a
 * {@link HostBuffer} with a physical address, which is what the PTEs name) rather than one buffer
 * per mmap, because every buffer takes a 4 GiB slot
 * of the machine's physical window.
 *
 * <p>A slice's bytes are the pages' contents: zero when handed out (fresh host memory, or discarded
 * on release), so installing a PTE on first touch is the zero-fill.
 */
public final class AnonMemory {
    static final long CHUNK = 1L << 30;
    /** The largest single anonymous mapping this emulator backs (a RAM limit of the model). */
    public static final long MAX_MAPPING = 64L << 30;

    /** A slice of a chunk. */
    record Slice(HostBuffer buffer, long offset) {}

    private final Machine machine;
    private final List<HostBuffer> chunks = new ArrayList<>();
    private final List<RangeSet<Long>> free = new ArrayList<>();

    /**
     * The pool with its first chunk: taken now, in the same place of the machine's allocation
     * order whatever the processes map first (which keeps a reset machine's buffers reusable).
     */
    public AnonMemory(Machine machine) {
        this.machine = machine;
        addChunk(CHUNK);
    }

    /**
     * First fit in the existing chunks, else a new chunk; {@code length} is page aligned. Null
     * when the model has no memory for it (over {@link #MAX_MAPPING}, or the machine's physical
     * window is full): the caller's syscall fails with -ENOMEM, as an overcommit refusal would.
     */
    Slice allocate(long length) {
        if (length <= 0 || length > MAX_MAPPING) return null;
        for (int i = 0; i < chunks.size(); i++) {
            for (Range<Long> r : free.get(i).asRanges()) {
                if (r.upperEndpoint() - r.lowerEndpoint() >= length) {
                    long at = r.lowerEndpoint();
                    free.get(i).remove(Range.closedOpen(at, at + length));
                    return new Slice(chunks.get(i), at);
                }
            }
        }
        HostBuffer chunk;
        try {
            chunk = addChunk(Math.max(CHUNK, length));
        } catch (OutOfMemoryError exhausted) {   // PhysicalMemory's "window exhausted", not the JVM heap
            return null;
        }
        free.getLast().remove(Range.closedOpen(0L, length));
        return new Slice(chunk, 0);
    }

    private HostBuffer addChunk(long size) {
        HostBuffer chunk = machine.allocate("anonymous memory #" + chunks.size(), size);
        RangeSet<Long> set = TreeRangeSet.create();
        set.add(Range.closedOpen(0L, chunk.size()));
        chunks.add(chunk);
        free.add(set);
        return chunk;
    }

    /** Zeroes [offset, offset+length) of {@code buffer} and makes it allocatable again. */
    void release(HostBuffer buffer, long offset, long length) {
        int i = chunks.indexOf(buffer);
        if (i < 0) throw new IllegalArgumentException("not an anonymous memory chunk: " + buffer.name());
        buffer.discard(offset, length);   // reads as zero, leaves the RSS
        free.get(i).add(Range.closedOpen(offset, offset + length));
    }

    /** Bytes handed out and not released (for tests and invariants). */
    public long inUse() {
        long total = 0;
        for (int i = 0; i < chunks.size(); i++) {
            long freeBytes = 0;
            for (Range<Long> r : free.get(i).asRanges()) freeBytes += r.upperEndpoint() - r.lowerEndpoint();
            total += chunks.get(i).size() - freeBytes;
        }
        return total;
    }

    /** Returns every chunk to the machine; no mapping may use them any more. */
    public void destroy() {
        for (HostBuffer chunk : chunks) machine.release(chunk);
        chunks.clear();
        free.clear();
    }
}
