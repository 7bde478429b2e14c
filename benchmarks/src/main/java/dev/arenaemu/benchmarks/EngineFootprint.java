package dev.arenaemu.benchmarks;

import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.emulator.cpu.Cpu;
import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.emulator.cpu.Stubs;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Host memory a CPU engine costs: a machine with one CPU against one with nine, each CPU having
 * run a stub, measured as the process's resident set. Not a JMH benchmark (JMH measures time):
 * {@code ./arena-emu bench} runs it after the JMH table ({@link #runForked}) in a JVM whose heap
 * cannot move the figure, as
 * {@code java -Xms256m -Xmx256m -XX:+AlwaysPreTouch -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED
 * -cp benchmarks/target/arena-emu-bench.jar dev.arenaemu.benchmarks.EngineFootprint}.
 */
public final class EngineFootprint {
    /** The name {@code ./arena-emu bench NAME} selects it by. */
    static final String NAME = "EngineFootprint";
    private static final long TIMEOUT_SECONDS = 120;

    private EngineFootprint() {}

    /** Runs {@link #main} in a JVM of its own and prints its line; 0 when it succeeded, else 1. */
    static int runForked(PrintStream out) {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED",
            "-cp", System.getProperty("java.class.path"), EngineFootprint.class.getName());
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                out.println("bench: " + NAME + " did not finish within " + TIMEOUT_SECONDS + " s");
                return 1;
            }
            output.lines().forEach(line -> out.println(NAME + ": " + line));
            if (p.exitValue() != 0) {
                out.println("bench: " + NAME + " failed with exit status " + p.exitValue());
                return 1;
            }
            return 0;
        } catch (IOException e) {
            out.println("bench: " + NAME + " could not start: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.println("bench: " + NAME + " interrupted");
            return 1;
        }
    }

    public static void main(String[] args) throws IOException {
        new Machine(1).close();   // the library and the JVM's own first-use costs, outside the measure
        long start = rss();
        Machine one = boot(1);
        long withOne = rss();
        Machine nine = boot(9);
        long withNine = rss();
        double perEngine = ((withNine - withOne) - (withOne - start)) / 8.0 / (1 << 20);
        System.out.printf("machine with 1 CPU: %.1f MiB RSS; with 9 CPUs: %.1f MiB; each further CPU engine: %.2f MiB (TCG buffer reserved: %d MiB)%n",
            (withOne - start) / 1048576.0, (withNine - withOne) / 1048576.0, perEngine, Cpu.TCG_BUFFER_BYTES >> 20);
        one.close();
        nine.close();
    }

    private static Machine boot(int cpus) {
        Machine m = new Machine(cpus);
        Stubs.Stub nop = m.stubs().kernel(new byte[] {(byte) 0x90});
        for (Cpu cpu : m.kernelCpus()) cpu.run(nop.address(), nop.end(), Budget.SHORT);
        return m;
    }

    private static long rss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
        }
        throw new IOException("no VmRSS in /proc/self/status");
    }
}
