package dev.arenaemu.scenarios.oracle;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A "newc" cpio archive, the initramfs format the kernel unpacks (Documentation/driver-api/
 * early-userspace/buffer-format.rst): 110-byte ASCII headers, names and data padded to 4 bytes.
 */
final class Cpio {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private int ino = 1;

    Cpio dir(String name) {
        return entry(name, 0040755, new byte[0], 0, 0);
    }

    Cpio file(String name, int mode, byte[] data) {
        return entry(name, 0100000 | mode, data, 0, 0);
    }

    Cpio symlink(String name, String target) {
        return entry(name, 0120777, target.getBytes(StandardCharsets.UTF_8), 0, 0);
    }

    Cpio charDevice(String name, int major, int minor) {
        return entry(name, 0020600, new byte[0], major, minor);
    }

    byte[] finish() {
        entry("TRAILER!!!", 0, new byte[0], 0, 0);
        return out.toByteArray();
    }

    private Cpio entry(String name, int mode, byte[] data, int rmajor, int rminor) {
        byte[] n = (name + "\0").getBytes(StandardCharsets.UTF_8);
        String header = String.format("070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
            ino++, mode, 0, 0, 1, 0, data.length, 0, 0, rmajor, rminor, n.length, 0);
        out.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(n);
        pad();
        out.writeBytes(data);
        pad();
        return this;
    }

    private void pad() {
        while (out.size() % 4 != 0) out.write(0);
    }
}
