package dev.arenaemu.user.libbpf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The C programs of kernel-model/src/test/c compiled with clang-19 into target/bpf-objects, as
 * the BPF front end's BpfTestPrograms does (tests only; fails with clang's output).
 */
final class BpfObjects {
    static final Path SOURCES = Path.of("../kernel-model/src/test/c");
    /** Where the programs' shared header, bpf_arena_common.h, lives. */
    static final Path HEADERS = Path.of("../kernel-model/src/main/resources/dev/arenaemu/kernel/bpf");
    private static final Path OUT = Path.of("target/bpf-objects");
    private static final Map<String, byte[]> COMPILED = new ConcurrentHashMap<>();

    private BpfObjects() {}

    /** {@code clang-19 -target bpf -mcpu=v4 -O2 -g -c ../kernel-model/src/test/c/NAME}. */
    static byte[] compile(String sourceName) {
        return COMPILED.computeIfAbsent(sourceName, name -> {
            Path obj = OUT.resolve(name.replace(".c", ".o"));
            List<String> command = List.of("clang-19", "-target", "bpf", "-mcpu=v4", "-O2", "-g", "-Wall", "-Werror",
                "-I", SOURCES.toString(), "-I", HEADERS.toString(), "-c", SOURCES.resolve(name).toString(), "-o", obj.toString());
            try {
                Files.createDirectories(OUT);
                Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
                String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(120, TimeUnit.SECONDS)) throw new AssertionError("clang-19 did not finish");
                if (p.exitValue() != 0) throw new AssertionError(String.join(" ", command) + " failed:\n" + log);
                return Files.readAllBytes(obj);
            } catch (IOException e) {
                throw new AssertionError("clang-19 is required for this test: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        });
    }
}
