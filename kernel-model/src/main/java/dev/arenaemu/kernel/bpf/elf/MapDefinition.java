package dev.arenaemu.kernel.bpf.elf;

/**
 * A map declared in the object: a BTF-defined map from SEC(".maps") or an internal map libbpf
 * creates for a global-data section (.bss, .data, .rodata: BPF_MAP_TYPE_ARRAY, one entry of the
 * section's size, named after the section here). {@code symbolOffset} is the variable's offset
 * in .maps (-1 for internal maps).
 */
public record MapDefinition(String name, int type, long keySize, long valueSize, long maxEntries, long mapFlags, long mapExtra,
                            long symbolOffset) {
    public static final int BPF_MAP_TYPE_ARRAY = 2;
    public static final int BPF_MAP_TYPE_ARENA = 33;
    public static final long BPF_F_MMAPABLE = 1L << 10;
    public static final long BPF_F_RDONLY_PROG = 1L << 8;

    public boolean isArena() { return type == BPF_MAP_TYPE_ARENA; }
}
