package dev.arenaemu.scenarios.replay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compiled BPF objects, kept for the JVM's life (issue 6: a sweep replays a scenario once per
 * injected failure, and clang-19 takes tens of milliseconds per compilation). The key is a
 * SHA-256 of everything that shapes the object: the clang command line (flags, include paths,
 * the source path, which -g records), the source bytes, and the bytes of every header the source
 * includes from its own folder or an include path, recursively. Headers clang finds in its own
 * system folders are keyed by name only: they do not change while the JVM runs.
 *
 * <p>Thread-safe: sweep workers share one instance, and when several ask for the same object
 * at once only one runs clang. A failed compilation is not kept, so it is reported exactly as
 * clang reported it, every time; a source that cannot be read is left to clang to report.
 */
public final class CompiledObjects {
    /** Turns a C source into an object; {@link ClangCommand#run} outside tests. */
    @FunctionalInterface
    interface Compiler {
        byte[] compile(ClangCommand command) throws IOException;
    }

    private static final CompiledObjects SHARED = new CompiledObjects(ClangCommand::run);
    /** #include "x" or #include <x>; a computed #include MACRO is not followed. */
    private static final Pattern INCLUDE = Pattern.compile("^\\s*#\\s*include\\s*([\"<])([^\">]+)[\">]", Pattern.MULTILINE);

    private final Compiler compiler;
    private final ConcurrentHashMap<String, CompletableFuture<byte[]>> objects = new ConcurrentHashMap<>();
    private final AtomicLong compilations = new AtomicLong();

    CompiledObjects(Compiler compiler) {
        this.compiler = compiler;
    }

    /** The cache every replay of this JVM uses. */
    static CompiledObjects shared() {
        return SHARED;
    }

    /** The object clang-19 makes of {@code source} with {@code -mcpu}, from the JVM's cache (what a replay loads). */
    public static byte[] compile(Path source, String mcpu) throws IOException {
        return SHARED.load(ClangCommand.forSource(source, mcpu));
    }

    /** How often this cache ran the compiler. */
    long compilations() {
        return compilations.get();
    }

    /** The object {@code command} produces: from the cache, or compiled now. Callers get their own copy. */
    byte[] load(ClangCommand command) throws IOException {
        String key;
        try {
            key = key(command);
        } catch (IOException unreadable) {
            return compile(command);
        }
        CompletableFuture<byte[]> mine = new CompletableFuture<>();
        CompletableFuture<byte[]> theirs = objects.putIfAbsent(key, mine);
        if (theirs == null) {
            byte[] object;
            try {
                object = compile(command);
            } catch (IOException | RuntimeException | Error e) {
                objects.remove(key, mine);
                mine.completeExceptionally(e);
                throw e;
            }
            mine.complete(object);
            return object.clone();
        }
        return await(theirs, command).clone();
    }

    private byte[] compile(ClangCommand command) throws IOException {
        compilations.incrementAndGet();
        return compiler.compile(command);
    }

    /** Another thread's compilation of the same key; its failure is rethrown as it was raised. */
    private static byte[] await(CompletableFuture<byte[]> theirs, ClangCommand command) throws IOException {
        try {
            return theirs.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while compiling " + command.source());
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case IOException io -> throw io;
                case RuntimeException r -> throw r;
                case Error r -> throw r;
                default -> throw new IOException(e.getCause());
            }
        }
    }

    /** SHA-256 over the command line, the source and its local headers, each length-prefixed. */
    static String key(ClangCommand command) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        // the output file is a fresh temporary on each run and does not shape the object
        update(sha, String.join("\0", command.arguments(Path.of("-"))).getBytes(StandardCharsets.UTF_8));
        update(sha, Files.readAllBytes(command.source()));
        addIncludes(sha, command.source(), command.includeDirs(), new HashSet<>());
        return HexFormat.of().formatHex(sha.digest());
    }

    /** Each header {@code file} includes, the way clang searches: its own folder (quoted only), then the -I folders. */
    private static void addIncludes(MessageDigest sha, Path file, List<Path> includeDirs, Set<Path> seen) throws IOException {
        Matcher m = INCLUDE.matcher(Files.readString(file, StandardCharsets.ISO_8859_1));
        while (m.find()) {
            String name = m.group(2);
            Optional<Path> header = resolve(name, m.group(1).equals("\"") ? file.toAbsolutePath().getParent() : null, includeDirs);
            update(sha, name.getBytes(StandardCharsets.UTF_8));
            if (header.isEmpty()) continue;                 // a system header
            update(sha, header.get().toString().getBytes(StandardCharsets.UTF_8));
            if (!seen.add(header.get())) continue;          // included before: its bytes are in the key already
            update(sha, Files.readAllBytes(header.get()));
            addIncludes(sha, header.get(), includeDirs, seen);
        }
    }

    private static Optional<Path> resolve(String name, Path includingDir, List<Path> includeDirs) {
        if (includingDir != null && Files.isRegularFile(includingDir.resolve(name))) return Optional.of(includingDir.resolve(name).normalize());
        for (Path dir : includeDirs) {
            Path p = dir.toAbsolutePath().resolve(name);
            if (Files.isRegularFile(p)) return Optional.of(p.normalize());
        }
        return Optional.empty();
    }

    private static void update(MessageDigest sha, byte[] bytes) {
        sha.update(ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
        sha.update(bytes);
    }
}
