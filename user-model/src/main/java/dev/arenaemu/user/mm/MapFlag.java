package dev.arenaemu.user.mm;

/** mmap flags with the x86-64 uapi values (mman-common.h, linux/mman.h). */
public enum MapFlag {
    SHARED(0x01), PRIVATE(0x02), SHARED_VALIDATE(0x03), FIXED(0x10), ANONYMOUS(0x20),
    DENYWRITE(0x0800), EXECUTABLE(0x1000), FIXED_NOREPLACE(0x10_0000);

    /** The two bits that say how the mapping is shared. */
    public static final int TYPE_MASK = 0x0F;
    /** Flags plain MAP_SHARED accepts (LEGACY_MAP_MASK); MAP_SHARED_VALIDATE rejects others. */
    public static final long LEGACY_MASK = 0x01 | 0x02 | 0x10 | 0x20 | 0x0100 | 0x0800 | 0x1000 | 0x2000
        | 0x4000 | 0x8000 | 0x1_0000 | 0x2_0000 | 0x4_0000 | 0x10_0000 | 0x400_0000 | 0xFC00_0000L;

    public final int bit;

    MapFlag(int bit) {
        this.bit = bit;
    }

    public static boolean has(long flags, MapFlag f) {
        return f == SHARED_VALIDATE ? (flags & TYPE_MASK) == SHARED_VALIDATE.bit : (flags & f.bit) != 0;
    }
}
