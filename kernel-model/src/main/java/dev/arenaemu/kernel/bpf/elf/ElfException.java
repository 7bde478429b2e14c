package dev.arenaemu.kernel.bpf.elf;

/** Malformed or unsupported input to the BPF object loader, located by a byte offset in the file. */
public final class ElfException extends RuntimeException {
    private final long offset;

    public ElfException(long offset, String reason) {
        super("elf offset 0x" + Long.toHexString(offset) + ": " + reason);
        this.offset = offset;
    }

    /** Byte offset in the object file where the problem was found. */
    public long offset() { return offset; }
}
