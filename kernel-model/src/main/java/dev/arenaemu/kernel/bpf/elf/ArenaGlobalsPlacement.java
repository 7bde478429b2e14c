package dev.arenaemu.kernel.bpf.elf;

/**
 * Where libbpf puts the {@code __arena} globals inside the arena mapping (docs/semantics.md#libbpf):
 * at offset 0 up to the Dec 2025 change, at the end of the arena afterwards (E4+). The offset
 * is added to every {@link dev.arenaemu.kernel.bpf.isa.Reloc.ArenaGlobal} reference.
 */
public enum ArenaGlobalsPlacement {
    /** libbpf before "move arena globals to the end of the arena" (scenario 62). */
    OFFSET_ZERO,
    /** libbpf after it: {@code arena_data_off = mmap_sz - roundup(data_sz, page_size)} (scenario 63). */
    END_OF_ARENA;

    /**
     * arena_data_off for a mapping of {@code mmapSize} bytes holding {@code dataSize} bytes of globals.
     *
     * @throws ArenaTooSmallException with libbpf's -E2BIG message when the rounded-up globals do not fit
     */
    public long arenaDataOffset(long mmapSize, long dataSize, long pageSize) {
        long rounded = (dataSize + pageSize - 1) / pageSize * pageSize;
        if (rounded > mmapSize) throw new ArenaTooSmallException(mmapSize, dataSize);
        return this == OFFSET_ZERO ? 0 : mmapSize - rounded;
    }

    /** libbpf's init_arena_map_data check: -E2BIG (scenario 64). */
    public static final class ArenaTooSmallException extends RuntimeException {
        public static final int ERRNO = 7; // E2BIG

        public ArenaTooSmallException(long mmapSize, long dataSize) {
            super("declared ARENA map size (" + mmapSize + ") is too small to hold global __arena variables of size " + dataSize);
        }
    }
}
