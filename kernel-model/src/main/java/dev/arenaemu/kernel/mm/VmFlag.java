package dev.arenaemu.kernel.mm;

/** vm_flags bits with the kernel's values (include/linux/mm.h). */
public enum VmFlag {
    READ(0x1L), WRITE(0x2L), EXEC(0x4L), SHARED(0x8L),
    MAYREAD(0x10L), MAYWRITE(0x20L), MAYEXEC(0x40L), MAYSHARE(0x80L),
    DONTCOPY(0x0002_0000L), DONTEXPAND(0x0004_0000L);

    public final long bit;

    VmFlag(long bit) {
        this.bit = bit;
    }

    public static boolean has(long flags, VmFlag flag) {
        return (flags & flag.bit) != 0;
    }
}
