package dev.arenaemu.scenarios.format;

/**
 * BPF_MAP_CREATE attributes for an arena (docs/semantics.md#creation). Flags are the raw map_flags, so negative
 * tests can pass anything; key/value sizes exist only to be rejected (catalogue 2).
 */
public record ArenaSpec(Where where, String name, long maxEntries, long flags, Arg mapExtra, long keySize, long valueSize) {
    public static final long BPF_F_NO_PREALLOC = 1, BPF_F_NUMA_NODE = 1 << 2, BPF_F_RDONLY = 1 << 3, BPF_F_WRONLY = 1 << 4,
        BPF_F_RDONLY_PROG = 1 << 7, BPF_F_MMAPABLE = 1 << 10, BPF_F_SEGV_ON_FAULT = 1 << 17, BPF_F_NO_USER_CONV = 1 << 18;
}
