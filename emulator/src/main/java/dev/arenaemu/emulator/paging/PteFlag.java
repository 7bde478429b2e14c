package dev.arenaemu.emulator.paging;

/**
 * x86-64 page-table entry bits this emulator writes or reads. Every CPU runs with EFER.NXE set,
 * so bit 63 (NX) forbids instruction fetches from the page (a fetch there is #PF with the I/D bit).
 */
public enum PteFlag {
    PRESENT(1L), WRITABLE(1L << 1), USER(1L << 2), WRITE_THROUGH(1L << 3), CACHE_DISABLE(1L << 4),
    ACCESSED(1L << 5), DIRTY(1L << 6), HUGE(1L << 7), GLOBAL(1L << 8), NO_EXECUTE(1L << 63);

    public final long bit;

    PteFlag(long bit) {
        this.bit = bit;
    }

    public static final long P = 1L, RW = 1L << 1, US = 1L << 2, A = 1L << 5, D = 1L << 6, NX = 1L << 63;
    /** Bits 12..39: the frame, for this CPU's 40-bit physical addresses. */
    public static final long FRAME_MASK = 0x0000_00FF_FFFF_F000L;
}
