package dev.arenaemu.scenarios.replay;

import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.format.ScenarioReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 6: a program compiled from C is compiled once per JVM, not on every replay; the cache key
 * covers what shapes the object (the source, the headers it includes, the command line), and a
 * compile error is still clang's error, every time.
 */
class CompiledObjectsTest {
    private static final Path PROGS = Path.of("corpus/progs");

    /** A copy of the corpus's globals program and its header, so that the test may edit them. */
    private static Path program(Path dir) throws IOException {
        Files.copy(PROGS.resolve("bpf_arena.h"), dir.resolve("bpf_arena.h"));
        return Files.copy(PROGS.resolve("globals.bpf.c"), dir.resolve("globals.bpf.c"));
    }

    @Test
    void theSecondLoadOfTheSameSourceDoesNotRunClangAndGivesTheSameBytes(@TempDir Path dir) throws Exception {
        CompiledObjects cache = new CompiledObjects(ClangCommand::run);
        ClangCommand command = ClangCommand.forSource(program(dir));
        byte[] first = cache.load(command);
        byte[] second = cache.load(command);
        assertEquals(1, cache.compilations());
        assertArrayEquals(first, second);
        assertArrayEquals(ClangCommand.forSource(dir.resolve("globals.bpf.c")).run(), second, "what clang gives for it");
        second[0] ^= 1;
        assertArrayEquals(first, cache.load(command), "each caller gets its own copy");
    }

    @Test
    void anEditedSourceOrIncludedHeaderIsCompiledAgain(@TempDir Path dir) throws Exception {
        CompiledObjects cache = new CompiledObjects(ClangCommand::run);
        Path source = program(dir);
        ClangCommand command = ClangCommand.forSource(source);
        String key = CompiledObjects.key(command);
        cache.load(command);
        Files.writeString(dir.resolve("bpf_arena.h"), Files.readString(dir.resolve("bpf_arena.h")) + "\n#define UNUSED_BY_THE_PROGRAM 1\n");
        String headerEdited = CompiledObjects.key(command);
        assertNotEquals(key, headerEdited, "the header's bytes are part of the key");
        cache.load(command);
        assertEquals(2, cache.compilations());
        Files.writeString(source, Files.readString(source).replace("counter = 41", "counter = 40"));
        assertNotEquals(headerEdited, CompiledObjects.key(command));
        cache.load(command);
        assertEquals(3, cache.compilations());
    }

    @Test
    void aCompileErrorIsClangsMessageEveryTimeAndIsNotKept(@TempDir Path dir) throws Exception {
        Path source = Files.writeString(dir.resolve("broken.bpf.c"), "int f(void) { return undeclared; }\n");
        CompiledObjects cache = new CompiledObjects(ClangCommand::run);
        ClangCommand command = ClangCommand.forSource(source);
        IOException first = assertThrows(IOException.class, () -> cache.load(command));
        IOException second = assertThrows(IOException.class, () -> cache.load(command));
        assertTrue(first.getMessage().startsWith("clang-19 failed:\n") && first.getMessage().contains("undeclared"), first.getMessage());
        assertEquals(first.getMessage(), second.getMessage());
        assertEquals(2, cache.compilations(), "a failure is compiled again, not remembered");
    }

    @Test
    void aMissingSourceIsLeftToClangToReport(@TempDir Path dir) {
        CompiledObjects cache = new CompiledObjects(ClangCommand::run);
        IOException e = assertThrows(IOException.class, () -> cache.load(ClangCommand.forSource(dir.resolve("missing.bpf.c"))));
        assertTrue(e.getMessage().startsWith("clang-19 failed:\n") && e.getMessage().contains("missing.bpf.c"), e.getMessage());
    }

    @Test
    void workersAskingForTheSameObjectAtOnceShareOneCompilation(@TempDir Path dir) throws Exception {
        CompiledObjects cache = new CompiledObjects(ClangCommand::run);
        ClangCommand command = ClangCommand.forSource(program(dir));
        List<Callable<byte[]>> loads = new ArrayList<>();
        for (int i = 0; i < 4; i++) loads.add(() -> cache.load(command));
        List<byte[]> objects = new ArrayList<>();
        try (ExecutorService threads = Executors.newFixedThreadPool(loads.size())) {
            for (Future<byte[]> f : threads.invokeAll(loads)) objects.add(f.get());
        }
        assertEquals(1, cache.compilations());
        for (byte[] o : objects) assertArrayEquals(objects.getFirst(), o);
    }

    @Test
    void replayingAScenarioAgainDoesNotCompileItsProgramAgain() throws Exception {
        Scenario s = ScenarioReader.read(Path.of("corpus/13-62-globals-at-offset-zero.v6.9-v6.13.json"));
        Outcome first = new Replayer().run(s, Era.V6_13, List.of(), "replay");
        long compilations = CompiledObjects.shared().compilations();
        Outcome second = new Replayer().run(s, Era.V6_13, List.of(), "replay");
        assertEquals(compilations, CompiledObjects.shared().compilations(), "the replay's object came from the cache");
        assertTrue(first.passed(), String.join("\n", first.problems()));
        assertEquals(first.trace(), second.trace());
    }
}
