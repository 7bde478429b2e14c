package dev.arenaemu.kernel.bpf;

import dev.arenaemu.kernel.arena.Arena;
import dev.arenaemu.kernel.bpf.verifier.MapDescriptor;
import dev.arenaemu.kernel.mm.MappableFile;
import dev.arenaemu.kernel.mm.VmArea;
import dev.arenaemu.kernel.mm.VmFaultResult;
import dev.arenaemu.kernel.mm.VmOperations;

/**
 * A created map (struct bpf_map) as kernel/bpf/syscall.c holds it: a kernel address for the
 * struct itself (what {@code ld_imm64 map[...]} becomes and what kfuncs receive as {@code p__map})
 * and a reference count (bpf_map_inc / bpf_map_put): the creator's fd, every loaded program
 * that uses the map (prog->aux->used_maps) and, for the arena, every VMA mapping it (vm_file).
 * The last put frees the map ({@code map_free}).
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

    /**
     * BPF_MAP_TYPE_ARENA: the map is the {@link Arena}. As the file behind the map fd it is what a
     * process mmaps: every VMA holds a reference, as vma->vm_file does (taken by a successful
     * mmap and by vm_ops->open for copies, dropped after vm_ops->close), so the arena outlives
     * its fd and programs while it is mapped (docs/semantics.md#teardown: "fds, programs, mmaps via vm_file").
     */
    public static final class ArenaMap extends BpfMap implements MappableFile {
        private final Arena arena;
        private final VmOperations vmOps;

        ArenaMap(String name, long objectAddress, Arena arena) {
            super(name, objectAddress);
            this.arena = arena;
            VmOperations inner = arena.vmOperations();
            this.vmOps = new VmOperations() {
                @Override public void open(VmArea vma) {
                    inner.open(vma);
                    get();
                }

                @Override public void close(VmArea vma) {
                    inner.close(vma);
                    put();   // remove_vma: vm_ops->close, then fput(vm_file)
                }

                @Override public VmFaultResult fault(VmArea vma, long address, boolean write) { return inner.fault(vma, address, write); }
                @Override public int maySplit(VmArea vma, long address) { return inner.maySplit(vma, address); }
                @Override public int mremap(VmArea vma) { return inner.mremap(vma); }
            };
        }

        public Arena arena() { return arena; }

        @Override
        public long getUnmappedArea(long addr, long length, long pgoff, long mapFlags, UnmappedAreaAllocator generic) {
            return arena.getUnmappedArea(addr, length, pgoff, mapFlags, generic);
        }

        /** bpf_map_mmap → arena_map_mmap; on success the new VMA holds a reference. */
        @Override
        public int mmap(VmArea vma) {
            if (isFreed()) throw new IllegalStateException(this + " was freed");
            int r = arena.mmap(vma);
            if (r == 0) get();
            return r;
        }

        @Override
        public VmOperations vmOperations() { return vmOps; }

        /** An fd table copied by fork: bpf_map_inc for the new fd. */
        @Override
        public void getFile() { get(); }

        /** close() of a map fd: bpf_map_release → bpf_map_put_with_uref. */
        @Override
        public void putFile() { put(); }

        @Override
        public MapDescriptor descriptor() {
            return new MapDescriptor(name(), MapDescriptor.BPF_MAP_TYPE_ARENA, arena.mapFlags(), 0, objectAddress(), 0,
                arena.userVmStart(), arena.userVmEnd(), (off, era) -> arena.mapDirectValueAddr((int) off), MapDescriptor.NO_SPIN_LOCK);
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
        /** Everything about the map the verifier and the JIT use; fixed at creation. */
        private final MapDescriptor descriptor;

        ArrayMap(String name, long objectAddress, long valueSize, long valueAddress, long mapFlags, long spinLockOff) {
            super(name, objectAddress);
            this.descriptor = new MapDescriptor(name, MapDescriptor.BPF_MAP_TYPE_ARRAY, mapFlags, valueSize, objectAddress, valueAddress, 0, 0)
                .withSpinLock(spinLockOff);
        }

        public long valueSize() { return descriptor.valueSize(); }
        public long valueAddress() { return descriptor.valueAddress(); }
        public long mapFlags() { return descriptor.flags(); }
        /** Offset of the struct bpf_spin_lock in the value (map->record->spin_lock_off), or {@link MapDescriptor#NO_SPIN_LOCK}. */
        public long spinLockOff() { return descriptor.spinLockOff(); }

        @Override
        public MapDescriptor descriptor() {
            return descriptor;
        }

        /** The value memory stays in the module data area (a bump allocator that never frees). */
        @Override
        void free() {}
    }
}
