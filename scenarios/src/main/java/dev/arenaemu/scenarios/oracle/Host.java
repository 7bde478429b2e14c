package dev.arenaemu.scenarios.oracle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Host commands the oracle needs (gcc, apt-get, dpkg-deb, qemu) and where it caches things. */
final class Host {
    private Host() {}

    /** ~/.cache/arena-emu (ARENA_EMU_CACHE overrides it). */
    static Path cache() {
        String env = System.getenv("ARENA_EMU_CACHE");
        return env != null ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "arena-emu");
    }

    record Result(int status, String output) {}

    /** Runs a command to completion (output merged), failing after {@code seconds}. */
    static Result run(Path dir, long seconds, List<String> command) throws OracleException {
        try {
            Path log = Files.createTempFile("arena-emu-cmd", ".log");
            try {
                Process p = new ProcessBuilder(command).directory(dir == null ? null : dir.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
                if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new OracleException("'" + String.join(" ", command) + "' did not finish in " + seconds + " s");
                }
                return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            throw new OracleException("cannot run '" + command.getFirst() + "': " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OracleException("interrupted while running " + command.getFirst());
        }
    }

    static Result check(Path dir, long seconds, List<String> command) throws OracleException {
        Result r = run(dir, seconds, command);
        if (r.status() != 0) {
            String out = r.output().strip();
            if (out.length() > 2000) out = "..." + out.substring(out.length() - 2000);
            throw new OracleException("'" + String.join(" ", command) + "' failed (status " + r.status() + "): " + out);
        }
        return r;
    }

    /** The first of {@code candidates} that exists and is executable, else an error naming the Debian package. */
    static Path tool(String what, String debianPackage, String... candidates) throws OracleException {
        for (String c : candidates) {
            Path p = Path.of(c);
            if (Files.isExecutable(p)) return p;
        }
        throw new OracleException(what + " not found (" + String.join(", ", candidates) + "); install it with: apt-get install -y " + debianPackage
            + " (./arena-emu oracle does it when run as root)");
    }
}
