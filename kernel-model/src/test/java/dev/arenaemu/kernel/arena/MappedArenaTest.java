package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.KernelEra;
import org.junit.jupiter.api.AfterEach;

/**
 * What most arena tests start from: a fresh {@link ArenaFixture} of one era per test (closed
 * after it) and an arena mmapped over its whole size at {@link #X} by a {@link RecordingVma}.
 */
abstract class MappedArenaTest {
    /** The user address the arena is mapped at (map_extra 0, so any address the mm picks). */
    static final long X = 0x1000_0000_0000L;

    /** The current test's machine and kernel; tests that need other capabilities assign their own. */
    ArenaFixture fx;

    @AfterEach
    final void closeFixture() {
        if (fx != null) fx.close();
    }

    Arena mapped(KernelEra era, long pages) {
        return mapped(era, pages, 0);
    }

    Arena mapped(KernelEra era, long pages, int flags) {
        fx = new ArenaFixture(era);
        Arena arena = fx.create(ArenaAttr.of(pages, flags, 0));
        fx.mmap(arena, X, pages * Arena.PAGE_SIZE);
        return arena;
    }

    /** The VMA the arena recorded last (the only one unless a test maps again). */
    static RecordingVma vmaOf(Arena arena) {
        return (RecordingVma) arena.vmaList().getLast().vma();
    }
}
