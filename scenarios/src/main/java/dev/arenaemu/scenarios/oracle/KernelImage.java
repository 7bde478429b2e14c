package dev.arenaemu.scenarios.oracle;

import dev.arenaemu.scenarios.format.Era;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A bootable kernel: the bzImage, the release it says it is (from its setup header's
 * kernel_version string), and the emulator era its behaviour is compared with.
 *
 * @param spec    what the user asked for ("7.3", a package, a file)
 * @param release e.g. "7.3.4+deb13-cloud-amd64"
 */
public record KernelImage(String spec, Path vmlinuz, String release, int major, int minor) {
    private static final Pattern VERSION = Pattern.compile("^(\\d+)\\.(\\d+)");

    /**
     * The era the emulator replays a kernel of this series under: 6.9 under v6.9, 6.10 … 6.12 under
     * v6.10 (E2), 6.13 … 6.x under v6.13, 7.0 … 7.2 under v7.0, 7.3 and later under latest. A
     * stable build may carry later fixes than its series' era (docs/oracle.md).
     */
    public Era era() {
        if (major == 6 && minor == 9) return Era.V6_9;
        if (major == 6 && minor < 13) return Era.V6_10;
        if (major < 7) return Era.V6_13;
        if (major == 7 && minor < 3) return Era.V7_0;
        return Era.LATEST;
    }

    /** Why the emulator era is an approximation for this kernel, or null. */
    public String eraNote() {
        if (major == 6 && minor > 13) return "no v" + major + "." + minor + " era in the emulator: compared with v6.13";
        if (major == 7 && (minor == 1 || minor == 2)) return "compared with era v7.0";
        return null;
    }

    /** Reads the release from a bzImage; refuses kernels older than the arena (6.9). */
    static KernelImage of(String spec, Path vmlinuz) throws OracleException {
        String release = release(vmlinuz);
        Matcher m = VERSION.matcher(release);
        if (!m.find()) throw new OracleException(vmlinuz + ": cannot tell the kernel version from \"" + release + "\"");
        int major = Integer.parseInt(m.group(1)), minor = Integer.parseInt(m.group(2));
        if (major < 6 || (major == 6 && minor < 9)) {
            throw new OracleException("kernel " + release + " (" + spec + ") has no BPF arena: BPF_MAP_TYPE_ARENA arrived in Linux 6.9");
        }
        return new KernelImage(spec, vmlinuz, release, major, minor);
    }

    /** The setup header's kernel_version string (boot protocol 2.00+: "HdrS" at 0x202, pointer at 0x20e, +0x200). */
    static String release(Path vmlinuz) throws OracleException {
        byte[] b;
        try {
            b = Files.readAllBytes(vmlinuz);
        } catch (IOException e) {
            throw new OracleException("cannot read kernel image " + vmlinuz + ": " + e.getMessage(), e);
        }
        if (b.length < 0x1000 || b[0x202] != 'H' || b[0x203] != 'd' || b[0x204] != 'r' || b[0x205] != 'S') {
            throw new OracleException(vmlinuz + " is not an x86 bzImage (no \"HdrS\" setup header)");
        }
        int off = ((b[0x20e] & 0xff) | (b[0x20f] & 0xff) << 8) + 0x200;
        int end = off;
        while (end < b.length && b[end] != 0 && b[end] != ' ') end++;
        return new String(b, off, end - off, StandardCharsets.US_ASCII);
    }
}
