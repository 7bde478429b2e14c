package dev.arenaemu.emulator.paging;

/** One leaf entry as the CPU sees it: the raw value and its decoded parts. */
public record Pte(long raw) {
    public static final Pte ABSENT = new Pte(0);

    public boolean present() { return (raw & PteFlag.P) != 0; }
    public boolean writable() { return (raw & PteFlag.RW) != 0; }
    public boolean user() { return (raw & PteFlag.US) != 0; }
    public boolean accessed() { return (raw & PteFlag.A) != 0; }
    public boolean dirty() { return (raw & PteFlag.D) != 0; }
    public boolean noExecute() { return (raw & PteFlag.NX) != 0; }
    public long frame() { return raw & PteFlag.FRAME_MASK; }

    @Override
    public String toString() {
        if (!present()) return "Pte[absent]";
        return "Pte[frame=0x" + Long.toHexString(frame()) + (writable() ? " RW" : " RO") + (user() ? " U" : " S")
            + (noExecute() ? " NX" : "") + (accessed() ? " A" : "") + (dirty() ? " D" : "") + "]";
    }
}
