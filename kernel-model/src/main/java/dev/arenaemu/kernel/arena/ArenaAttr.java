package dev.arenaemu.kernel.arena;

/**
 * The parts of union bpf_attr (BPF_MAP_CREATE) an arena looks at. {@code maxEntries} is a u32
 * (pages); {@code mapExtra} the requested user_vm_start (0 = chosen by the first mmap).
 */
public record ArenaAttr(int keySize, int valueSize, long maxEntries, int mapFlags, long mapExtra) {
    public static final int BPF_MAP_TYPE_ARENA = 33;

    public static final int BPF_F_NO_PREALLOC = 1;
    public static final int BPF_F_NUMA_NODE = 1 << 2;
    public static final int BPF_F_RDONLY_PROG = 1 << 7;
    public static final int BPF_F_MMAPABLE = 1 << 10;
    public static final int BPF_F_SEGV_ON_FAULT = 1 << 17;
    public static final int BPF_F_NO_USER_CONV = 1 << 18;

    /** An arena of {@code pages} pages with BPF_F_MMAPABLE plus {@code extraFlags}, placed at {@code mapExtra} (0 = any). */
    public static ArenaAttr of(long pages, int extraFlags, long mapExtra) {
        return new ArenaAttr(0, 0, pages, BPF_F_MMAPABLE | extraFlags, mapExtra);
    }

    public boolean has(int flag) {
        return (mapFlags & flag) != 0;
    }
}
