package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.KernelEra;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A 4 GiB arena is sparse: its kernel range holds no host memory at all (a vm_area is only
 * virtual addresses), and each page it populates is one frame of the page allocator's RAM, which
 * the host backs only once the frame is touched. 1000 populated pages cost exactly 1000 resident
 * host pages of that RAM.
 */
class ArenaFootprintTest {
    private static final Pattern SMAPS_HEADER = Pattern.compile("^([0-9a-f]+)-([0-9a-f]+) ");

    /** Rss of the host mapping that holds {@code address}, from /proc/self/smaps. */
    private static long mappingRssBytes(long address) throws IOException {
        boolean inside = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            Matcher header = SMAPS_HEADER.matcher(line);
            if (header.find()) {
                inside = Long.compareUnsigned(Long.parseUnsignedLong(header.group(1), 16), address) <= 0
                    && Long.compareUnsigned(address, Long.parseUnsignedLong(header.group(2), 16)) < 0;
            } else if (inside && line.startsWith("Rss:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IllegalStateException("no mapping holds 0x" + Long.toHexString(address));
    }

    @Test
    void aFourGibArenaWithAThousandPopulatedPagesCostsAThousandResidentFrames() throws IOException {
        try (ArenaFixture fx = new ArenaFixture(KernelEra.V6_13)) {
            Arena arena = fx.create(ArenaAttr.of(1L << 20, 0, 1L << 44));   // 4 GiB: max_entries 2^20 pages
            fx.mmap(arena, 1L << 44, 1L << 32);
            long first = arena.allocPages(0, 1, -1, 0);
            long ramAddress = fx.kernel.frames().bytes(arena.kernVm().pageAt(arena.kernelAddress(first))).address();
            long before = mappingRssBytes(ramAddress);
            int pages = 1000;
            for (int i = 1; i < pages; i++) {
                long p = arena.allocPages(first + (long) i * 4096 * 1000, 1, -1, 0);   // spread over the 4 GiB
                fx.kernel.frames().bytes(arena.kernVm().pageAt(arena.kernelAddress(p))).set(ValueLayout.JAVA_LONG, 0, i);
            }
            assertEquals(pages, arena.populatedPages());
            assertEquals((pages - 1) * 4096L, mappingRssBytes(ramAddress) - before,
                "resident bytes the 999 further populated pages added to the frames' RAM");
        }
    }
}
