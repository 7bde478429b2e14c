package dev.arenaemu.scenarios.oracle;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The guest's user space: the runner (runner.c, compiled here with {@code gcc -static -O2} and
 * cached by the source's hash) and busybox-static in an initramfs whose /init mounts proc, sysfs
 * and devtmpfs, runs the runner on the packed op list with results to /dev/ttyS1, and powers off.
 */
final class GuestImage {
    private GuestImage() {}

    static final String INIT = """
        #!/bin/busybox sh
        /bin/busybox mount -t proc proc /proc
        /bin/busybox mount -t sysfs sysfs /sys
        /bin/busybox mount -t devtmpfs devtmpfs /dev
        /runner /scenarios.txt /dev/ttyS1
        echo "arena-emu oracle: runner exit status $?"
        /bin/busybox poweroff -f
        """;

    /** The runner binary for the current runner.c (built once per source version). */
    static Path runner() throws OracleException {
        byte[] source;
        try (InputStream in = GuestImage.class.getResourceAsStream("runner.c")) {
            if (in == null) throw new OracleException("runner.c is missing from the build (dev/arenaemu/scenarios/oracle/runner.c)");
            source = in.readAllBytes();
        } catch (IOException e) {
            throw new OracleException("cannot read runner.c: " + e.getMessage(), e);
        }
        String hash = sha256(source).substring(0, 16);
        Path dir = Host.cache().resolve("oracle");
        Path bin = dir.resolve("runner-" + hash);
        if (Files.isExecutable(bin)) return bin;
        Path gcc = Host.tool("gcc", "gcc", "/usr/bin/gcc");
        try {
            Files.createDirectories(dir);
            Path src = dir.resolve("runner-" + hash + ".c");
            Files.write(src, source);
            Path tmp = dir.resolve("runner-" + hash + ".tmp");
            Host.check(dir, 120, List.of(gcc.toString(), "-static", "-O2", "-Wall", "-o", tmp.toString(), src.toString()));
            Files.move(tmp, bin, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return bin;
        } catch (IOException e) {
            throw new OracleException("cannot build the guest runner in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The initramfs (uncompressed newc cpio) with the runner and the compiled scenarios. */
    static byte[] initramfs(Path runner, String scenarios) throws OracleException {
        Path busybox = Host.tool("busybox (static)", "busybox-static", "/bin/busybox", "/usr/bin/busybox");
        try {
            return new Cpio().dir("bin").dir("proc").dir("sys").dir("dev").charDevice("dev/console", 5, 1)
                .file("bin/busybox", 0755, Files.readAllBytes(busybox)).symlink("bin/sh", "busybox")
                .file("init", 0755, INIT.getBytes(StandardCharsets.US_ASCII))
                .file("runner", 0755, Files.readAllBytes(runner))
                .file("scenarios.txt", 0644, scenarios.getBytes(StandardCharsets.US_ASCII))
                .finish();
        } catch (IOException e) {
            throw new OracleException("cannot read " + e.getMessage(), e);
        }
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
