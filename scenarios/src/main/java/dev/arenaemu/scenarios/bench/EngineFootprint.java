package dev.arenaemu.scenarios.bench;

import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.emulator.cpu.Cpu;
import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.emulator.cpu.Stubs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Host memory a CPU engine costs: a machine with one CPU against one with nine, each CPU having
 * run a stub, measured as the process's resident set. Not a JMH benchmark (JMH measures time);
 * run it in a JVM whose heap cannot move the figure:
 * {@code java -Xms256m -Xmx256m -XX:+AlwaysPreTouch -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED
 * -cp scenarios/target/arena-emu.jar dev.arenaemu.scenarios.bench.EngineFootprint}.
 */
public final class EngineFootprint {
    private EngineFootprint() {}

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
