package dev.arenaemu.scenarios.replay;

import dev.arenaemu.scenarios.format.ProgramSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * clang-19 -target bpf -mcpu=MCPU -O2 -g -c for one BPF C source, with the source's folder on the
 * include path (where the corpus keeps bpf_arena.h) and then the folder of the project's header for
 * BPF programs, bpf_arena_common.h (SEC, __uint, __arena, the arena kfuncs: a resource of
 * kernel-model's jar, written out once per JVM). {@link CompiledObjects} keys its cache on
 * {@link #arguments} and {@link #includeDirs}, so everything that shapes the object is here.
 * {@code mcpu} is the BPF ISA version clang may use (v4 by default, as the selftests build;
 * v3 and v2 leave out the sign-extending loads, gotol and the other v4 instructions).
 */
public record ClangCommand(Path source, List<Path> includeDirs, String mcpu) {
    public static final String CLANG = "clang-19";
    static final String DEFAULT_MCPU = "v4";

    public ClangCommand {
        if (!ProgramSpec.MCPUS.contains(mcpu)) throw new IllegalArgumentException("-mcpu=" + mcpu + " (known: " + ProgramSpec.MCPUS + ")");
    }

    static ClangCommand forSource(Path source) throws IOException {
        return forSource(source, DEFAULT_MCPU);
    }

    static ClangCommand forSource(Path source, String mcpu) throws IOException {
        Path dir = source.getParent() != null ? source.getParent() : source.toAbsolutePath().getParent();
        return new ClangCommand(source, List.of(dir, SharedHeader.folder()), mcpu);
    }

    /** bpf_arena_common.h out of the jar into a folder of its own, once per JVM (removed at exit). */
    private static final class SharedHeader {
        static final String NAME = "bpf_arena_common.h";
        private static Path folder;

        static synchronized Path folder() throws IOException {
            if (folder != null) return folder;
            Path dir = Files.createTempDirectory("arena-emu-include-");
            try (var in = ClangCommand.class.getResourceAsStream("/dev/arenaemu/kernel/bpf/" + NAME)) {
                if (in == null) throw new IOException(NAME + " is missing from the class path (kernel-model's jar)");
                Files.copy(in, dir.resolve(NAME));
            }
            dir.resolve(NAME).toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            folder = dir;
            return folder;
        }
    }

    /** The command line, with {@code out} as the object file. */
    List<String> arguments(Path out) {
        List<String> args = new ArrayList<>();
        args.add(CLANG);
        args.addAll(List.of("-target", "bpf", "-mcpu=" + mcpu, "-O2", "-g"));
        for (Path dir : includeDirs) {
            args.add("-I");
            args.add(dir.toString());
        }
        args.addAll(List.of("-c", source.toString(), "-o", out.toString()));
        return args;
    }

    private static java.lang.Process start(List<String> command) throws IOException {
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            // Not installed: say what to do rather than "Cannot run program".
            throw new IOException(CLANG + " is not installed (./arena-emu installs it for replay and sweep; "
                + "or apt-get install -y " + CLANG + "): " + e.getMessage(), e);
        }
    }

    /** Runs clang; a failed compilation is an IOException carrying clang's output. */
    byte[] run() throws IOException {
        Path out = Files.createTempFile("arena-emu-", ".bpf.o");
        try {
            java.lang.Process p = start(arguments(out));
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException(CLANG + " failed:\n" + log);
            return Files.readAllBytes(out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while compiling " + source);
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
