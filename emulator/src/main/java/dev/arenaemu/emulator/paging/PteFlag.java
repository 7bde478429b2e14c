package dev.arenaemu.emulator.paging;

/**
 * x86-64 page-table entry bits this emulator writes or reads. No NX: Unicorn 2.0.1's CPU models
 * lack the NX CPUID bit, so EFER.NXE cannot be set and bit 63 would make the entry reserved.
 */
public enum PteFlag {
    PRESENT(1L), WRITABLE(1L << 1), USER(1L << 2), WRITE_THROUGH(1L << 3), CACHE_DISABLE(1L << 4),
    ACCESSED(1L << 5), DIRTY(1L << 6), HUGE(1L << 7), GLOBAL(1L << 8);

    public final long bit;

    PteFlag(long bit) {
        this.bit = bit;
    }

    public static final long P = 1L, RW = 1L << 1, US = 1L << 2, A = 1L << 5, D = 1L << 6;
    /** Bits 12..39: the frame, for this CPU's 40-bit physical addresses. */
    public static final long FRAME_MASK = 0x0000_00FF_FFFF_F000L;
}
