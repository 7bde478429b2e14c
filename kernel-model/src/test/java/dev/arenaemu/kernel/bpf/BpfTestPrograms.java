package dev.arenaemu.kernel.bpf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** Compiles the C programs of src/test/c with clang-19 into target/bpf-objects (tests only). */
public final class BpfTestPrograms {
    public static final Path SOURCES = Path.of("src/test/c");
    /** Where the programs' shared header, bpf_arena_common.h, lives (it ships in the jar). */
    public static final Path HEADERS = Path.of("src/main/resources/dev/arenaemu/kernel/bpf");
    private static final Path OUT = Path.of("target/bpf-objects");

    /**
     * Assembler that allocates one page of the map named "arena" (bpf_arena_alloc_pages(map, NULL,
     * 1, NUMA_NO_NODE, 0)) into r0 and casts it into r1, as clang emits for an arena pointer.
     */
    public static final String ALLOC_ONE_PAGE = """
        r1 = map[arena] ll
        r2 = 0
        r3 = 1
        r4 = -1
        r5 = 0
        call bpf_arena_alloc_pages
        r1 = addr_space_cast(r0, 0x0, 0x1)
        """;

    private BpfTestPrograms() {}

    /** {@code clang-19 -target bpf -mcpu=v4 -O2 -g -c src/test/c/NAME -o target/bpf-objects/NAME.o}. */
    public static Path compile(String sourceName) {
        return compile(sourceName, "v4");
    }

    /** Compiled once per test JVM and cpu level. */
    public static Path compile(String sourceName, String cpu) {
        return COMPILED.computeIfAbsent(sourceName + "@" + cpu, key -> {
            Path src = SOURCES.resolve(sourceName);
            Path obj = OUT.resolve(sourceName.replace(".c", "") + "." + cpu + ".o");
            run(List.of("clang-19", "-target", "bpf", "-mcpu=" + cpu, "-O2", "-g", "-Wall", "-Werror", "-I", SOURCES.toString(), "-I", HEADERS.toString(),
                "-c", src.toString(), "-o", obj.toString()));
            return obj;
        });
    }

    private static final Map<String, Path> COMPILED = new ConcurrentHashMap<>();

    /** Runs a tool and returns its stdout; fails with the tool's output if it is missing or fails. */
    public static String run(List<String> command) {
        try {
            Files.createDirectories(OUT);
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) throw new AssertionError(command.get(0) + " did not finish");
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) throw new AssertionError(String.join(" ", command) + " failed:\n" + text);
            return text;
        } catch (IOException e) {
            throw new AssertionError(command.get(0) + " is required for this test (is llvm-19 installed?): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public static byte[] read(Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
