package dev.arenaemu.scenarios.oracle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Resolves a --kernel argument to a bootable image: a series shorthand ("6.12", "7.3": the newest
 * Debian trixie/trixie-backports cloud build of it), a package name, a .deb, or a bzImage. Packages
 * come from an apt configuration of the oracle's own (no system sources, its own lists and cache
 * under ~/.cache/arena-emu/kernels/apt), pointed at the mirror the system's debian.sources names;
 * the extracted vmlinuz is cached per package.
 */
public final class Kernels {
    private static final Pattern SHORTHAND = Pattern.compile("\\d+\\.\\d+");
    private static final Pattern PACKAGE = Pattern.compile("linux-(image|binary)-(\\d+)\\.(\\d+)\\.(\\d+)\\+deb(\\d+)-cloud-amd64");
    private static final Path SYSTEM_SOURCES = Path.of("/etc/apt/sources.list.d/debian.sources");

    private final Path root = Host.cache().resolve("kernels");
    private final Path apt = root.resolve("apt");
    private boolean updated;

    public KernelImage resolve(String spec) throws OracleException {
        if (SHORTHAND.matcher(spec).matches()) return fromPackage(spec, newest(spec));
        if (spec.startsWith("linux-")) return fromPackage(spec, spec);
        Path p = Path.of(spec);
        if (!Files.isRegularFile(p)) {
            throw new OracleException("--kernel " + spec + ": neither a version (6.12, 7.0, 7.3), a package name (linux-image-…-cloud-amd64 / "
                + "linux-binary-…-cloud-amd64), a .deb nor a kernel image file");
        }
        if (spec.endsWith(".deb")) return KernelImage.of(spec, extract(p, root.resolve("deb-" + GuestImage.sha256(p.toAbsolutePath().toString().getBytes()).substring(0, 12))));
        return KernelImage.of(spec, p);
    }

    /** The newest cloud-amd64 build of series {@code series} in trixie and trixie-backports. */
    String newest(String series) throws OracleException {
        String kind = series.startsWith("6.") ? "linux-image-" : "linux-binary-";
        List<String> names = packages(kind + series + ".");
        if (names.isEmpty() && !updated) {
            update(true);
            names = packages(kind + series + ".");
        }
        if (names.isEmpty()) {
            String[] parts = series.split("\\.");
            if (Integer.parseInt(parts[0]) < 6 || (parts[0].equals("6") && Integer.parseInt(parts[1]) < 9)) {
                throw new OracleException("kernel " + series + " has no BPF arena (BPF_MAP_TYPE_ARENA arrived in Linux 6.9)");
            }
            throw new OracleException("unknown kernel version " + series + ": Debian trixie/trixie-backports have no " + kind + series
                + ".*-cloud-amd64 (they have: " + String.join(", ", series()) + ")");
        }
        names.sort(Comparator.comparing(Kernels::versionKey));
        return names.getLast();
    }

    /** The kernel series (major.minor) the archive has cloud builds of. */
    List<String> series() throws OracleException {
        List<String> out = new ArrayList<>();
        for (String n : packages("linux-")) {
            Matcher m = PACKAGE.matcher(n);
            if (m.matches()) {
                String s = m.group(2) + "." + m.group(3);
                if (!out.contains(s)) out.add(s);
            }
        }
        out.sort(Comparator.comparing(s -> Integer.parseInt(s.split("\\.")[0]) * 1000 + Integer.parseInt(s.split("\\.")[1])));
        return out;
    }

    private List<String> packages(String prefix) throws OracleException {
        update(false);
        Host.Result r = Host.check(null, 120, aptCommand("apt-cache", "pkgnames", prefix));
        List<String> out = new ArrayList<>();
        for (String line : r.output().lines().toList()) if (PACKAGE.matcher(line.strip()).matches()) out.add(line.strip());
        return out;
    }

    private static long versionKey(String name) {
        Matcher m = PACKAGE.matcher(name);
        if (!m.matches()) return 0;
        return Long.parseLong(m.group(2)) * 1_000_000L + Long.parseLong(m.group(3)) * 1000 + Long.parseLong(m.group(4));
    }

    private KernelImage fromPackage(String spec, String pkg) throws OracleException {
        Path dir = root.resolve(pkg);
        Path vmlinuz = dir.resolve("vmlinuz");
        if (Files.isRegularFile(vmlinuz)) return KernelImage.of(spec, vmlinuz);
        Path downloads = apt.resolve("downloads");
        try {
            Files.createDirectories(downloads);
            try (Stream<Path> old = Files.list(downloads)) {
                for (Path p : old.toList()) Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new OracleException("cannot prepare " + downloads + ": " + e.getMessage(), e);
        }
        update(false);
        Host.Result r = Host.run(downloads, 600, aptCommand("apt-get", "download", pkg));
        if (r.status() != 0) {
            if (!updated) {
                update(true);
                r = Host.run(downloads, 600, aptCommand("apt-get", "download", pkg));
            }
            if (r.status() != 0) throw new OracleException("cannot download kernel package " + pkg + ": " + r.output().strip());
        }
        try (Stream<Path> debs = Files.list(downloads)) {
            Path deb = debs.filter(p -> p.toString().endsWith(".deb")).findFirst()
                .orElseThrow(() -> new OracleException("apt-get download " + pkg + " left no .deb in " + downloads));
            return KernelImage.of(spec, extract(deb, dir));
        } catch (IOException e) {
            throw new OracleException("cannot read " + downloads + ": " + e.getMessage(), e);
        }
    }

    /** dpkg-deb -x the package, keep only its vmlinuz (6.x: /boot/vmlinuz-*, 7.x: /usr/lib/modules/VER/vmlinuz). */
    private Path extract(Path deb, Path dir) throws OracleException {
        Path vmlinuz = dir.resolve("vmlinuz");
        if (Files.isRegularFile(vmlinuz)) return vmlinuz;
        Path tmp = dir.resolveSibling(dir.getFileName() + ".extract");
        try {
            Files.createDirectories(dir);
            deleteTree(tmp);
            Files.createDirectories(tmp);
            Host.check(null, 300, List.of("dpkg-deb", "-x", deb.toString(), tmp.toString()));
            Path found;
            try (Stream<Path> s = Files.walk(tmp)) {
                found = s.filter(Files::isRegularFile).filter(p -> {
                    String rel = tmp.relativize(p).toString();
                    return rel.matches("boot/vmlinuz-.*") || rel.matches("usr/lib/modules/[^/]+/vmlinuz");
                }).findFirst().orElseThrow(() -> new OracleException(deb + " holds no kernel (no boot/vmlinuz-* nor usr/lib/modules/*/vmlinuz); "
                    + "for 7.x the kernel is in linux-binary-<ver>-cloud-amd64, linux-image-<ver> is a meta package"));
            }
            Files.move(found, vmlinuz, StandardCopyOption.REPLACE_EXISTING);
            return vmlinuz;
        } catch (IOException e) {
            throw new OracleException("cannot extract " + deb + ": " + e.getMessage(), e);
        } finally {
            deleteTree(tmp);
        }
    }

    /** apt-get update on the oracle's own lists: when asked, or when they are missing or older than a day. */
    private void update(boolean force) throws OracleException {
        Path stamp = apt.resolve("lists").resolve("updated");
        try {
            boolean fresh = Files.exists(stamp) && Files.getLastModifiedTime(stamp).toInstant().isAfter(Instant.now().minus(Duration.ofDays(1)));
            if (fresh && !force) return;
            if (updated) return;
            Files.createDirectories(apt.resolve("lists").resolve("partial"));
            Files.createDirectories(apt.resolve("cache").resolve("archives").resolve("partial"));
            Files.createDirectories(apt.resolve("parts"));
            Files.writeString(apt.resolve("parts").resolve("trixie.sources"), """
                Types: deb
                URIs: %s
                Suites: trixie trixie-backports
                Components: main
                Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
                """.formatted(mirror()));
            Host.check(null, 600, aptCommand("apt-get", "update", "-qq"));
            Files.writeString(stamp, "");
            Files.setLastModifiedTime(stamp, FileTime.from(Instant.now()));
            updated = true;
        } catch (IOException e) {
            throw new OracleException("cannot prepare the oracle's apt configuration in " + apt + ": " + e.getMessage(), e);
        }
    }

    /** The Debian mirror the system uses (first "URIs:" of its debian.sources that is not a security archive). */
    private static String mirror() throws OracleException {
        try {
            for (String line : Files.readAllLines(SYSTEM_SOURCES)) {
                String l = line.strip();
                if (l.startsWith("URIs:") && !l.contains("security")) return l.substring(5).strip().split("\\s+")[0];
            }
        } catch (IOException e) {
            throw new OracleException("cannot read " + SYSTEM_SOURCES + " for the Debian mirror: " + e.getMessage(), e);
        }
        throw new OracleException(SYSTEM_SOURCES + " names no Debian mirror (no \"URIs:\" line)");
    }

    private List<String> aptCommand(String tool, String... args) {
        List<String> c = new ArrayList<>(List.of(tool, "-o", "Dir::Etc::SourceList=/dev/null", "-o", "Dir::Etc::SourceParts=" + apt.resolve("parts"),
            "-o", "Dir::State::Lists=" + apt.resolve("lists"), "-o", "Dir::Cache=" + apt.resolve("cache"), "-o", "Dir::State::status=/dev/null",
            "-o", "APT::Sandbox::User=root"));
        c.addAll(List.of(args));
        return c;
    }

    private static void deleteTree(Path p) {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        } catch (IOException ignored) {
            // a leftover temporary folder is harmless: the next extraction deletes it first
        }
    }
}
