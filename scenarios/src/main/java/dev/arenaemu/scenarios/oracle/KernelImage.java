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
 * @param asked   the era or profile {@code --era} asked to compare with instead of the build's own, or null
 */
public record KernelImage(String spec, Path vmlinuz, String release, int major, int minor, int patch, Era asked) {
    private static final Pattern VERSION = Pattern.compile("^(\\d+)\\.(\\d+)(?:\\.(\\d+))?");
    /**
     * The first stable releases carrying every fix of the v6.12-stable and v7.0-stable profiles
     * (the NUMA node check, the last of them to be queued: 6.12.91 and 7.0.10; see {@code Backport}).
     */
    static final int STABLE_6_12_PROFILE_FROM = 91, STABLE_7_0_PROFILE_FROM = 10;

    /**
     * The era or profile the emulator replays a kernel of this build under: 6.9 under v6.9, 6.10 …
     * 6.12 under v6.10 (E2), but 6.12.91 and later under the v6.12-stable profile; 6.13 … 6.x under
     * v6.13; 7.0 … 7.2 under v7.0, but 7.0.10 and later under v7.0-stable; 7.3 and later under
     * latest (docs/oracle.md, docs/eras.md#profiles-for-real-builds).
     */
    public Era era() {
        return asked != null ? asked : buildEra();
    }

    /** The same kernel compared with {@code era} instead of its build's era or profile ({@code oracle --era}). */
    public KernelImage comparedWith(Era era) {
        return new KernelImage(spec, vmlinuz, release, major, minor, patch, era);
    }

    private Era buildEra() {
        if (major == 6 && minor == 9) return Era.V6_9;
        if (major == 6 && minor == 12 && patch >= STABLE_6_12_PROFILE_FROM) return Era.V6_12_STABLE;
        if (major == 6 && minor < 13) return Era.V6_10;
        if (major < 7) return Era.V6_13;
        if (major == 7 && minor == 0 && patch >= STABLE_7_0_PROFILE_FROM) return Era.V7_0_STABLE;
        if (major == 7 && minor < 3) return Era.V7_0;
        return Era.LATEST;
    }

    /** Why the emulator era is an approximation for this kernel, or null. */
    public String eraNote() {
        if (asked != null && asked != buildEra()) return "compared with " + asked + " as asked (--era); the build maps to " + buildEra();
        if (major == 6 && minor > 13) return "no v" + major + "." + minor + " era in the emulator: compared with v6.13";
        if (major == 7 && (minor == 1 || minor == 2)) return "compared with era v7.0";
        if (major == 6 && minor == 12 && patch >= 88 && patch < STABLE_6_12_PROFILE_FROM) {
            return "6.12.88 to 6.12.90 carry only part of the v6.12-stable fixes (split/mremap/VM_DONTCOPY): compared with v6.10";
        }
        if (major == 7 && minor == 0 && patch >= 7 && patch < STABLE_7_0_PROFILE_FROM) {
            return "7.0.7 to 7.0.9 carry only part of the v7.0-stable fixes (split/mremap/VM_DONTCOPY): compared with v7.0";
        }
        return null;
    }

    /** Reads the release from a bzImage; refuses kernels older than the arena (6.9). */
    static KernelImage of(String spec, Path vmlinuz) throws OracleException {
        String release = release(vmlinuz);
        Matcher m = VERSION.matcher(release);
        if (!m.find()) throw new OracleException(vmlinuz + ": cannot tell the kernel version from \"" + release + "\"");
        int major = Integer.parseInt(m.group(1)), minor = Integer.parseInt(m.group(2));
        int patch = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
        if (major < 6 || (major == 6 && minor < 9)) {
            throw new OracleException("kernel " + release + " (" + spec + ") has no BPF arena: BPF_MAP_TYPE_ARENA arrived in Linux 6.9");
        }
        return new KernelImage(spec, vmlinuz, release, major, minor, patch, null);
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
