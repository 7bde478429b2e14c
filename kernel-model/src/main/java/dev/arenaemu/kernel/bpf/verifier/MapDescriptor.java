package dev.arenaemu.kernel.bpf.verifier;

import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.KernelEra;


/**
 * What the verifier needs to know about a created map an instruction refers to: its type and
 * flags, the value size (for direct value bounds), the kernel address that replaces a map fd in
 * ld_imm64 ({@code objectAddress}, i.e. the struct bpf_map pointer), the kernel address of the
 * value area of an array ({@code valueAddress}), and for an arena its user range
 * (arena->user_vm_start / user_vm_end, 0 while neither map_extra nor mmap placed it), and where
 * its value holds a struct bpf_spin_lock ({@code spinLockOff}, or {@link #NO_SPIN_LOCK}).
 */
public record MapDescriptor(String name, int type, long flags, long valueSize, long objectAddress, long valueAddress,
                            long userVmStart, long userVmEnd, DirectValueAddr ops, long spinLockOff) {
    /**
     * The map's own {@code map->ops->map_direct_value_addr} (e.g. {@code Arena::mapDirectValueAddr}):
     * the base address a direct value load at {@code off} starts from, or {@code -errno}.
     */
    @FunctionalInterface
    public interface DirectValueAddr {
        long addr(long off, KernelEra era);
    }

    /** A map described by its numbers only (no live map object): the kernel's rules are applied here. */
    public MapDescriptor(String name, int type, long flags, long valueSize, long objectAddress, long valueAddress,
                         long userVmStart, long userVmEnd) {
        this(name, type, flags, valueSize, objectAddress, valueAddress, userVmStart, userVmEnd, null, NO_SPIN_LOCK);
    }

    /** {@code map->record->spin_lock_off} when the value's BTF has no struct bpf_spin_lock. */
    public static final long NO_SPIN_LOCK = -1;

    /** The same map with a struct bpf_spin_lock at {@code off} in its value (btf_parse_fields). */
    public MapDescriptor withSpinLock(long off) {
        return new MapDescriptor(name, type, flags, valueSize, objectAddress, valueAddress, userVmStart, userVmEnd, ops, off);
    }

    public static final int BPF_MAP_TYPE_ARRAY = 2, BPF_MAP_TYPE_ARENA = 33;
    public static final long BPF_F_NO_USER_CONV = 1L << 18;

    public static MapDescriptor arena(String name, long flags, long objectAddress, long userVmStart, long userVmEnd) {
        return new MapDescriptor(name, BPF_MAP_TYPE_ARENA, flags, 0, objectAddress, 0, userVmStart, userVmEnd);
    }

    public static MapDescriptor array(String name, long valueSize, long objectAddress, long valueAddress) {
        return new MapDescriptor(name, BPF_MAP_TYPE_ARRAY, 0, valueSize, objectAddress, valueAddress, 0, 0);
    }

    public boolean isArena() { return type == BPF_MAP_TYPE_ARENA; }

    /**
     * map->ops->map_direct_value_addr: the address a direct value load at {@code off} starts
     * from (the arena's user_vm_start, or the array's value area), or {@code -errno} if the
     * offset is refused (arena: -ERANGE past the user range, array: -EINVAL at or past
     * value_size). A live map answers itself ({@link #ops()}).
     */
    public long directValueAddr(long off, KernelEra era) {
        if (ops != null) return ops.addr(off, era);
        if (isArena()) {
            long size = userVmEnd - userVmStart;
            boolean outside = era.directValueRejectsEnd() ? off >= size : off > size;
            return outside ? Errno.ERANGE.neg() : userVmStart;
        }
        return off >= valueSize ? Errno.EINVAL.neg() : valueAddress;
    }
}
