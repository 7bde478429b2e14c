package dev.arenaemu.user.mm;

import dev.arenaemu.emulator.memory.HostBuffer;

/**
 * The shmem file behind a MAP_SHARED|MAP_ANONYMOUS mapping (shmem_zero_setup): one object whose
 * pages every VMA made from that mapping shows — split pieces, fork children, moved copies. As
 * with a shmem inode, its pages live until the last VMA referring to it goes, not when a part of
 * one mapping is unmapped.
 */
final class ShmemFile {
    final HostBuffer buffer;
    final long offset;
    final long length;
    private int refs = 1;

    ShmemFile(HostBuffer buffer, long offset, long length) {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
    }

    void get() {
        refs++;
    }

    /** Drops one VMA's reference; true when that was the last. */
    boolean put() {
        if (refs <= 0) throw new IllegalStateException("shmem object released twice");
        return --refs == 0;
    }
}
