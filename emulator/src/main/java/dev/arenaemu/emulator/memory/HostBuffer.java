package dev.arenaemu.emulator.memory;

import dev.arenaemu.emulator.ffm.HostMemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Guest RAM owned by Java: host memory with a physical address. It is mapped once per engine, as
 * one Unicorn region at {@code physBase}; Unicorn 2.1.4 walks the page tables and reads the frame
 * a PTE names, so a virtual mapping of these bytes is only a PTE naming {@code phys(offset)}.
 *
 * <p>Other modules read and write the bytes through the methods here (offsets from the start of
 * the buffer, little-endian values, as the guest sees them); the host segment itself,
 * {@link #memory()}, is for the emulator's own packages, which map it into engines.
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

    /** The bytes [offset, offset + length) as a buffer of their own, at their physical address. */
    public HostBuffer slice(long offset, long length) {
        return new HostBuffer(name, memory.asSlice(offset, length), physBase + offset);
    }

    public byte getByte(long offset) {
        return memory.get(ValueLayout.JAVA_BYTE, offset);
    }

    public void putByte(long offset, byte value) {
        memory.set(ValueLayout.JAVA_BYTE, offset, value);
    }

    public long getLong(long offset) {
        return memory.get(ValueLayout.JAVA_LONG_UNALIGNED, offset);
    }

    public void putLong(long offset, long value) {
        memory.set(ValueLayout.JAVA_LONG_UNALIGNED, offset, value);
    }

    /** Copies {@code length} bytes at {@code offset} into {@code into} from index {@code at}. */
    public void read(long offset, byte[] into, int at, int length) {
        MemorySegment.copy(memory, ValueLayout.JAVA_BYTE, offset, into, at, length);
    }

    public byte[] read(long offset, int length) {
        byte[] out = new byte[length];
        read(offset, out, 0, length);
        return out;
    }

    /** Copies {@code length} bytes of {@code from}, starting at index {@code at}, to {@code offset}. */
    public void write(long offset, byte[] from, int at, int length) {
        MemorySegment.copy(from, at, memory, ValueLayout.JAVA_BYTE, offset, length);
    }

    public void write(long offset, byte[] from) {
        write(offset, from, 0, from.length);
    }

    /** Copies {@code length} bytes of {@code source} at {@code sourceOffset} to {@code offset}. */
    public void copyFrom(long offset, HostBuffer source, long sourceOffset, long length) {
        memory.asSlice(offset, length).copyFrom(source.memory.asSlice(sourceOffset, length));
    }

    /** Sets [offset, offset + length) to {@code value} (libc memset: whole pages are its common case). */
    public void fill(long offset, long length, byte value) {
        HostMemory.fill(memory.asSlice(offset, length), value);
    }

    /**
     * The offset, from {@code offset}, of the first byte in [offset, offset + length) that is not
     * {@code value}, or -1 when all are: libc memcmp against a page of {@code value} first, the
     * offset only looked for when it found a difference.
     */
    public long firstByteOtherThan(long offset, long length, byte value) {
        MemorySegment range = memory.asSlice(offset, length);
        for (long at = 0; at < length; at += HostMemory.PATTERN_BYTES) {
            long n = Math.min(HostMemory.PATTERN_BYTES, length - at);
            MemorySegment pattern = HostMemory.pattern(value).asSlice(0, n);
            MemorySegment chunk = range.asSlice(at, n);
            if (!HostMemory.sameBytes(chunk, pattern)) return at + chunk.mismatch(pattern);
        }
        return -1;
    }

    /** Gives [offset, offset + length) (whole pages) back to the host: it reads as zero again and leaves the RSS. */
    public void discard(long offset, long length) {
        HostMemory.discard(memory.asSlice(offset, length));
    }

    /** Host bytes of this buffer's mapping that are resident now (what its touched pages cost). */
    public long residentBytes() {
        return HostMemory.residentBytes(memory.address());
    }
}
