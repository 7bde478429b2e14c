package dev.arenaemu.user.mm;

/** mmap/mprotect protection bits (include/uapi/asm-generic/mman-common.h). */
public enum Prot {
    READ(0x1), WRITE(0x2), EXEC(0x4), SEM(0x8), GROWSDOWN(0x0100_0000), GROWSUP(0x0200_0000);

    public static final int NONE = 0;
    public static final int RW = READ.bit | WRITE.bit;
    public static final int RX = READ.bit | EXEC.bit;

    public final int bit;

    Prot(int bit) {
        this.bit = bit;
    }

    public static boolean has(int prot, Prot p) {
        return (prot & p.bit) != 0;
    }
}
