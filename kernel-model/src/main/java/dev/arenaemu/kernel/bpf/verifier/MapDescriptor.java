package dev.arenaemu.kernel.bpf.verifier;

import java.util.OptionalLong;

/**
 * What the verifier needs to know about a created map an instruction refers to: its type and
 * flags, the value size (for direct value bounds), the kernel address that replaces a map fd in
 * ld_imm64 ({@code objectAddress}, i.e. the struct bpf_map pointer), the kernel address of the
 * value area of an array ({@code valueAddress}), and for an arena its user range
 * (arena->user_vm_start / user_vm_end, 0 while neither map_extra nor mmap placed it).
 */
public record MapDescriptor(String name, int type, long flags, long valueSize, long objectAddress, long valueAddress,
                            long userVmStart, long userVmEnd) {
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
     * from (the arena's user_vm_start, or the array's value area), empty if the offset is refused
     * (arena: -ERANGE past the user range, array: -EINVAL at or past value_size).
     */
    public OptionalLong directValueAddr(long off, VerifierEra era) {
        if (isArena()) {
            long size = userVmEnd - userVmStart;
            boolean outside = era.directValueAddrRejectsEnd() ? off >= size : off > size;
            return outside ? OptionalLong.empty() : OptionalLong.of(userVmStart);
        }
        return off >= valueSize ? OptionalLong.empty() : OptionalLong.of(valueAddress);
    }

    /** The errno direct_value_addr returns when it refuses. */
    public Errno directValueError() {
        return isArena() ? Errno.ERANGE : Errno.EINVAL;
    }
}
