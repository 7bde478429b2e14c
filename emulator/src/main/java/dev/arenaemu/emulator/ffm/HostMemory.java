package dev.arenaemu.emulator.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Host memory reservations made with libc mmap(MAP_NORESERVE): gigabytes cost nothing until a
 * page is touched, and the kernel hands back zeroed pages, so no Java code zero-fills them. Also
 * libc's memset and memcmp for whole guest pages (the page allocator's poisoning and zeroing).
 */
public final class HostMemory {
    private static final int PROT_READ = 1, PROT_WRITE = 2;
    private static final int MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000;
    private static final int MADV_DONTNEED = 4, MADV_HUGEPAGE = 14;
    private static final long MAP_FAILED = -1L;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MMAP = LINKER.downcallHandle(
        LINKER.defaultLookup().find("mmap").orElseThrow(),
        FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = LINKER.downcallHandle(
        LINKER.defaultLookup().find("munmap").orElseThrow(),
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle MADVISE = LINKER.downcallHandle(
        LINKER.defaultLookup().find("madvise").orElseThrow(),
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    // memset and memcmp of a page run for a fraction of a microsecond and never block: critical
    // downcalls, without the thread-state transition of an ordinary one.
    private static final MethodHandle MEMSET = LINKER.downcallHandle(
        LINKER.defaultLookup().find("memset").orElseThrow(),
        FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG), Linker.Option.critical(false));
    private static final MethodHandle MEMCMP = LINKER.downcallHandle(
        LINKER.defaultLookup().find("memcmp").orElseThrow(),
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG), Linker.Option.critical(false));

    private HostMemory() {}

    /**
     * libc memset: every byte of the native segment {@code range} becomes {@code value}. The same
     * result as {@link MemorySegment#fill}, faster on whole pages: with {@link #sameBytes}, the page
     * allocator's check and zeroing of a poisoned 4 KiB page took 94–101 ns where mismatch and fill
     * took 159–191 ns on this project's VM (emulator/docs/costs.md, "The populating user fault:
     * where its Java time went").
     */
    public static void fill(MemorySegment range, byte value) {
        try {
            MemorySegment ignored = (MemorySegment) MEMSET.invokeExact(range, (int) value, range.byteSize());
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * libc memcmp: whether the native segments {@code a} and {@code b}, of the same size, hold
     * the same bytes. Faster on whole pages than {@link MemorySegment#mismatch}, for the same
     * reason as {@link #fill}; a caller that needs the first differing offset asks mismatch once
     * this said they differ.
     */
    public static boolean sameBytes(MemorySegment a, MemorySegment b) {
        if (a.byteSize() != b.byteSize()) throw new IllegalArgumentException("segments of different sizes: " + a.byteSize() + " and " + b.byteSize());
        try {
            return (int) MEMCMP.invokeExact(a, b, a.byteSize()) == 0;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Length of a {@link #pattern} page. */
    public static final int PATTERN_BYTES = 4096;
    /**
     * Pattern pages by byte value, made on first use (native memory, as memcmp needs) and never
     * freed: at most 256 pages. Threads that race to make one each make a page; one is kept.
     */
    private static final java.util.concurrent.atomic.AtomicReferenceArray<MemorySegment> PATTERNS =
        new java.util.concurrent.atomic.AtomicReferenceArray<>(256);

    /** A read-only native page whose every byte is {@code value}: what {@link #sameBytes} compares a page with. */
    public static MemorySegment pattern(byte value) {
        int i = value & 0xFF;
        MemorySegment page = PATTERNS.get(i);
        if (page != null) return page;
        MemorySegment made = Arena.global().allocate(PATTERN_BYTES, PATTERN_BYTES);
        made.fill(value);
        PATTERNS.compareAndSet(i, null, made.asReadOnly());
        return PATTERNS.get(i);
    }

    /** Reserves {@code size} bytes (a multiple of 4096) of zeroed, lazily backed host memory. */
    public static MemorySegment reserve(long size) {
        if (size <= 0 || (size & 0xFFF) != 0) throw new IllegalArgumentException("size must be a positive multiple of 4096: " + size);
        MemorySegment p;
        try {
            p = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, size, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (p.address() == MAP_FAILED) throw new OutOfMemoryError("mmap of " + size + " bytes failed");
        return p.reinterpret(size, Arena.global(), null);
    }

    /**
     * Like {@link #reserve(long)}, but owned by {@code owner}: closing the arena unmaps the
     * memory, and any later access through the segment throws instead of crashing the JVM.
     */
    public static MemorySegment reserve(long size, Arena owner) {
        MemorySegment global = reserve(size);
        long address = global.address();
        return MemorySegment.ofAddress(address).reinterpret(size, owner, ignored -> unmap(address, size));
    }

    private static void unmap(long address, long size) {
        try {
            int rc = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), size);
            if (rc != 0) throw new IllegalStateException("munmap failed at 0x" + Long.toHexString(address));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Returns the pages of a range to the host: they read as zero afterwards and leave the RSS. */
    public static void discard(MemorySegment range) {
        try {
            int rc = (int) MADVISE.invokeExact(range, range.byteSize(), MADV_DONTNEED);
            if (rc != 0) throw new IllegalStateException("madvise failed for " + range);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * How many bytes of the host mapping (VMA) that holds {@code address} are resident, from
     * /proc/self/smaps: what guest memory really costs the host. The host may merge adjacent
     * reservations into one mapping, so callers compare two readings rather than trust one.
     */
    public static long residentBytes(long address) {
        boolean inside = false;
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/smaps"))) {
                java.util.regex.Matcher header = SMAPS_HEADER.matcher(line);
                if (header.find()) {
                    inside = Long.compareUnsigned(Long.parseUnsignedLong(header.group(1), 16), address) <= 0
                        && Long.compareUnsigned(address, Long.parseUnsignedLong(header.group(2), 16)) < 0;
                } else if (inside && line.startsWith("Rss:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read /proc/self/smaps", e);
        }
        throw new IllegalStateException("no host mapping holds 0x" + Long.toHexString(address));
    }

    private static final java.util.regex.Pattern SMAPS_HEADER = java.util.regex.Pattern.compile("^([0-9a-f]+)-([0-9a-f]+) ");

    /**
     * Asks the host for transparent huge pages over {@code range} (madvise MADV_HUGEPAGE): a
     * first touch then faults in 2 MiB at once instead of 4 KiB. Advisory: where THP is off
     * nothing changes, so the result is ignored.
     */
    public static void adviseHugePages(MemorySegment range) {
        try {
            int ignored = (int) MADVISE.invokeExact(range, range.byteSize(), MADV_HUGEPAGE);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Unmaps a reservation made by {@link #reserve}; the segment must not be used afterwards. */
    public static void release(MemorySegment reservation) {
        try {
            int rc = (int) MUNMAP.invokeExact(reservation, reservation.byteSize());
            if (rc != 0) throw new IllegalStateException("munmap failed for " + reservation);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
