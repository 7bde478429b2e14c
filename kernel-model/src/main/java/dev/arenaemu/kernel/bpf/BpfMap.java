package dev.arenaemu.kernel.bpf;

import dev.arenaemu.kernel.arena.Arena;
import dev.arenaemu.kernel.bpf.verifier.MapDescriptor;

/**
 * A created map (struct bpf_map) as kernel/bpf/syscall.c holds it: a kernel address for the
 * struct itself (what {@code ld_imm64 map[...]} becomes and what kfuncs receive as {@code p__map})
 * and a reference count (bpf_map_inc / bpf_map_put): the creator's fd and every loaded program
 * that uses the map (prog->aux->used_maps). The last put frees the map ({@code map_free}).
 */
public abstract sealed class BpfMap permits BpfMap.ArenaMap, BpfMap.ArrayMap {
    private final String name;
    private final long objectAddress;
    private int refs = 1;

    private BpfMap(String name, long objectAddress) {
        this.name = name;
        this.objectAddress = objectAddress;
    }

    public String name() { return name; }

    /** The kernel address of the struct bpf_map. */
    public long objectAddress() { return objectAddress; }

    public int refs() { return refs; }

    public boolean isFreed() { return refs == 0; }

    /** What the verifier needs to know about this map. */
    public abstract MapDescriptor descriptor();

    /** bpf_map_inc. */
    void get() {
        if (refs == 0) throw new IllegalStateException("map " + name + " already freed");
        refs++;
    }

    /** bpf_map_put: frees the map with the last reference. */
    void put() {
        if (refs == 0) throw new IllegalStateException("map " + name + " already freed");
        if (--refs == 0) free();
    }

    abstract void free();

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + name + " @0x" + Long.toHexString(objectAddress) + ", refs " + refs + ")";
    }

    /** BPF_MAP_TYPE_ARENA: the map is the {@link Arena}. */
    public static final class ArenaMap extends BpfMap {
        private final Arena arena;

        ArenaMap(String name, long objectAddress, Arena arena) {
            super(name, objectAddress);
            this.arena = arena;
        }

        public Arena arena() { return arena; }

        @Override
        public MapDescriptor descriptor() {
            return MapDescriptor.arena(name(), arena.mapFlags(), objectAddress(), arena.userVmStart(), arena.userVmEnd());
        }

        /** arena_map_free. */
        @Override
        void free() {
            arena.free();
        }
    }

    /**
     * BPF_MAP_TYPE_ARRAY with one entry: the internal map of a global-data section (.bss, .data,
     * .rodata). Its value lives in kernel memory at {@link #valueAddress()}, which JIT'd code
     * reads and writes directly.
     */
    public static final class ArrayMap extends BpfMap {
        private final long valueSize;
        private final long valueAddress;
        private final long mapFlags;

        ArrayMap(String name, long objectAddress, long valueSize, long valueAddress, long mapFlags) {
            super(name, objectAddress);
            this.valueSize = valueSize;
            this.valueAddress = valueAddress;
            this.mapFlags = mapFlags;
        }

        public long valueSize() { return valueSize; }
        public long valueAddress() { return valueAddress; }
        public long mapFlags() { return mapFlags; }

        @Override
        public MapDescriptor descriptor() {
            return new MapDescriptor(name(), MapDescriptor.BPF_MAP_TYPE_ARRAY, mapFlags, valueSize, objectAddress(), valueAddress, 0, 0);
        }

        /** The value memory stays in the module data area (a bump allocator that never frees). */
        @Override
        void free() {}
    }
}
