package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.Errno;

/** What BPF_MAP_CREATE of an arena gave: the arena, or the errno the syscall returns. */
public sealed interface ArenaCreateResult {
    record Created(Arena arena) implements ArenaCreateResult {}

    record Failed(Errno errno) implements ArenaCreateResult {}

    /** The arena, or an IllegalStateException naming the errno (for callers that expect success). */
    default Arena orThrow() {
        return switch (this) {
            case Created c -> c.arena();
            case Failed f -> throw new IllegalStateException("arena creation failed: -" + f.errno());
        };
    }
}
