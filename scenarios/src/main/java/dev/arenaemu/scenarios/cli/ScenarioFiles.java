package dev.arenaemu.scenarios.cli;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Expands the PATH arguments: files as given, folders recursively to their *.json files. Build
 * and source trees (src, target) and hidden folders are skipped, so {@code replay scenarios}
 * finds the corpus but not the deliberately malformed test resources or copies under target/.
 */
final class ScenarioFiles {
    private static final Set<String> SKIPPED_DIRS = Set.of("src", "target", "schema", "node_modules");

    private ScenarioFiles() {}

    /** The scenario files, sorted; throws with the offending argument if a path does not exist. */
    static List<Path> collect(List<Path> paths) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isRegularFile(p)) {
                out.add(p);
            } else if (Files.isDirectory(p)) {
                TreeSet<Path> found = new TreeSet<>();
                Files.walkFileTree(p, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                        String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
                        boolean skip = !dir.equals(p) && (SKIPPED_DIRS.contains(name) || name.startsWith("."));
                        return skip ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                        if (attrs.isRegularFile() && file.getFileName().toString().endsWith(".json")) found.add(file);
                        return FileVisitResult.CONTINUE;
                    }
                });
                out.addAll(found);
            } else {
                throw new IOException(p + ": no such file or directory");
            }
        }
        return out;
    }
}
