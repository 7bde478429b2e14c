package dev.arenaemu.kernel.bpf.elf;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Little-endian reads from a window of the object file. Every read is bounds-checked and a
 * read outside the window is an {@link ElfException} naming the absolute file offset, so no
 * malformed input reaches an ArrayIndexOutOfBoundsException.
 */
final class ElfBytes {
    private final byte[] file;
    private final int start;
    private final int length;

    ElfBytes(byte[] file) {
        this(file, 0, file.length);
    }

    private ElfBytes(byte[] file, int start, int length) {
        this.file = file;
        this.start = start;
        this.length = length;
    }

    int length() { return length; }

    /** Absolute file offset of a window-relative offset, for error messages. */
    long fileOffset(long off) { return start + off; }

    /** A sub-window [off, off + len) checked against this window. */
    ElfBytes window(long off, long len, String what) {
        check(off, len, what);
        return new ElfBytes(file, (int) (start + off), (int) len);
    }

    private void check(long off, long len, String what) {
        if (off < 0 || len < 0 || off > length || len > length - off) {
            throw new ElfException(start + Math.max(0, Math.min(off, length)),
                what + " [0x" + Long.toHexString(start + off) + ", +0x" + Long.toHexString(len) + ") lies outside the file");
        }
    }

    int u8(long off) {
        check(off, 1, "byte");
        return file[(int) (start + off)] & 0xFF;
    }

    int u16(long off) {
        check(off, 2, "u16");
        return u8(off) | u8(off + 1) << 8;
    }

    int s32(long off) {
        check(off, 4, "u32");
        return u16(off) | u16(off + 2) << 16;
    }

    long u32(long off) {
        return s32(off) & 0xFFFF_FFFFL;
    }

    long u64(long off) {
        check(off, 8, "u64");
        return u32(off) | u32(off + 4) << 32;
    }

    byte[] bytes(long off, long len, String what) {
        check(off, len, what);
        return Arrays.copyOfRange(file, (int) (start + off), (int) (start + off + len));
    }

    /** NUL-terminated string starting at {@code off}; the terminator must lie inside the window. */
    String cstring(long off, String what) {
        check(off, 1, what);
        int end = (int) off;
        while (end < length && file[start + end] != 0) end++;
        if (end == length) throw new ElfException(start + off, what + " is not NUL-terminated");
        return new String(file, (int) (start + off), (int) (end - off), StandardCharsets.UTF_8);
    }
}
