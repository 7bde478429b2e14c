package dev.arenaemu.emulator.ffm;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** libc memset and memcmp on host memory: the page allocator's poisoning, zeroing and poison check. */
class HostMemoryTest {
    private static final int PAGE = 4096;

    @Test
    void fillSetsEveryByteOfTheRangeAndNothingAround() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment mem = HostMemory.reserve(3 * PAGE, arena);
            mem.fill((byte) 0x11);
            HostMemory.fill(mem.asSlice(PAGE, PAGE), (byte) 0xaa);
            for (long i = 0; i < 3 * PAGE; i++) {
                byte expected = i >= PAGE && i < 2 * PAGE ? (byte) 0xaa : (byte) 0x11;
                assertEquals(expected, mem.get(ValueLayout.JAVA_BYTE, i), "byte " + i);
            }
        }
    }

    @Test
    void sameBytesSeesADifferenceAnywhereInTheRange() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment a = HostMemory.reserve(PAGE, arena);
            MemorySegment b = HostMemory.reserve(PAGE, arena);
            HostMemory.fill(a, (byte) 0xaa);
            HostMemory.fill(b, (byte) 0xaa);
            assertTrue(HostMemory.sameBytes(a, b));
            for (long at : new long[] {0, 1, 2047, PAGE - 1}) {
                b.set(ValueLayout.JAVA_BYTE, at, (byte) 0xab);
                assertFalse(HostMemory.sameBytes(a, b), "difference at " + at);
                assertEquals(at, a.mismatch(b));
                b.set(ValueLayout.JAVA_BYTE, at, (byte) 0xaa);
            }
        }
    }

    @Test
    void segmentsOfDifferentSizesAreRefused() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment a = HostMemory.reserve(PAGE, arena);
            assertThrows(IllegalArgumentException.class, () -> HostMemory.sameBytes(a, a.asSlice(0, PAGE / 2)));
        }
    }

    @Test
    void aClosedRangeThrowsInsteadOfReachingLibc() {
        Arena arena = Arena.ofShared();
        MemorySegment mem = HostMemory.reserve(PAGE, arena);
        arena.close();
        assertThrows(IllegalStateException.class, () -> HostMemory.fill(mem, (byte) 0));
        assertThrows(IllegalStateException.class, () -> HostMemory.sameBytes(mem, mem));
    }
}
