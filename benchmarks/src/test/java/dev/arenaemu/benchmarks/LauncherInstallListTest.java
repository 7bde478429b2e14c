package dev.arenaemu.benchmarks;

import dev.arenaemu.scenarios.cli.Main;
import dev.arenaemu.scenarios.cli.StartsPrograms;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher installs, before a subcommand runs, every program that subcommand may start. Its
 * table ({@code programs_of} in ./arena-emu) must therefore say, for each Java command, exactly
 * what the command's {@link StartsPrograms} declares, and name a Debian package for each program
 * ({@code package_of}). This test lives here because this module is the only one that sees every
 * command the launcher dispatches: the CLI's subcommands and {@code bench}.
 */
class LauncherInstallListTest {
    /** Rows of the launcher's tables: {@code    NAME) echo "WORDS" ;;}. */
    private static final Pattern ROW = Pattern.compile("^\\s+([a-z0-9_.-]+)\\) echo \"?([^\";]*)\"? ;;", Pattern.MULTILINE);
    /** Subcommands the launcher runs without a Java command: {@code test} is mvn verify. */
    private static final Set<String> LAUNCHER_ONLY = Set.of("test");

    private static String launcher() throws IOException {
        return Files.readString(Path.of("..", "arena-emu"));
    }

    /** The rows of one shell function of the launcher: name -> words. */
    private static Map<String, Set<String>> table(String function) throws IOException {
        String text = launcher();
        int start = text.indexOf(function + "() {");
        assertTrue(start >= 0, "./arena-emu has no function " + function);
        String body = text.substring(start, text.indexOf("\n}\n", start));
        Map<String, Set<String>> rows = new TreeMap<>();
        Matcher m = ROW.matcher(body);
        while (m.find()) {
            rows.put(m.group(1), Arrays.stream(m.group(2).split("\\s+")).filter(w -> !w.isEmpty()).collect(Collectors.toCollection(TreeSet::new)));
        }
        return rows;
    }

    /** What each Java command declares: the CLI's subcommands by name, and bench. */
    private static Map<String, Set<String>> declared() {
        Map<String, Set<String>> commands = new TreeMap<>();
        new CommandLine(new Main()).getSubcommands().forEach((name, cl) ->
            commands.put(name, programs(cl.getCommandSpec().userObject().getClass())));
        commands.put("bench", programs(BenchCommand.class));
        return commands;
    }

    private static Set<String> programs(Class<?> command) {
        StartsPrograms starts = command.getAnnotation(StartsPrograms.class);
        return starts == null ? Set.of() : new TreeSet<>(Arrays.asList(starts.value()));
    }

    @Test
    void everyJavaCommandHasTheLauncherRowItDeclares() throws IOException {
        Map<String, Set<String>> rows = table("programs_of");
        Map<String, Set<String>> declared = declared();
        assertTrue(declared.get("replay").contains("clang-19"), "replay declares clang-19: " + declared);
        declared.forEach((name, programs) -> {
            assertTrue(rows.containsKey(name), "./arena-emu's programs_of has no row for subcommand '" + name
                + "'; add one listing " + programs);
            assertEquals(programs, rows.get(name), "./arena-emu installs for '" + name + "' not what its command declares (@StartsPrograms)");
        });
        for (String name : rows.keySet()) {
            assertTrue(declared.containsKey(name) || LAUNCHER_ONLY.contains(name),
                "./arena-emu's programs_of has a row for '" + name + "', which is no command");
        }
    }

    @Test
    void everyProgramTheLauncherInstallsHasADebianPackage() throws IOException {
        Set<String> packaged = table("package_of").keySet();
        table("programs_of").forEach((name, programs) -> {
            for (String p : programs) assertTrue(packaged.contains(p), "./arena-emu's package_of names no Debian package for " + p + " (row " + name + ")");
        });
    }
}
