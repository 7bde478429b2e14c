package dev.arenaemu.user.mm;

/** mremap flags (include/uapi/linux/mman.h). */
public enum MremapFlag {
    MAYMOVE(1), FIXED(2), DONTUNMAP(4);

    public static final int ALL = 7;

    public final int bit;

    MremapFlag(int bit) {
        this.bit = bit;
    }

    public static boolean has(int flags, MremapFlag f) {
        return (flags & f.bit) != 0;
    }
}
