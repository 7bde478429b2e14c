package dev.arenaemu.kernel.bpf.jit;

import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.emulator.trap.FaultHandler;
import dev.arenaemu.kernel.bpf.isa.Insn;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A bpf_conformance plugin (github.com/Alan-Jowett/bpf_conformance, protocol of its
 * libbpf_plugin): the program arrives as space-separated hex bytes on the first line of stdin
 * (or after {@code --program}), the optional next argument is the memory as hex bytes, passed in
 * R1 with its length in R2. The program is JITed and run in Unicorn; R0 is printed in hex on
 * stdout. Anything that keeps it from returning is reported on stderr with exit status 1.
 *
 * <p>Usage: {@code [--program <hex>] [<memory hex>] [--debug]}
 */
public final class ConformancePlugin {
    private ConformancePlugin() {}

    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        try {
            String programHex;
            if (rest.size() > 1 && rest.get(0).equals("--program")) {
                programHex = rest.get(1);
                rest.subList(0, 2).clear();
            } else {
                programHex = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII)).readLine();
                if (programHex == null) throw new IllegalArgumentException("no program on stdin");
            }
            String memoryHex = "";
            if (!rest.isEmpty() && !rest.get(0).startsWith("--")) memoryHex = rest.remove(0);
            boolean debug = !rest.isEmpty() && rest.get(0).equals("--debug");
            if (debug) rest.remove(0);
            if (!rest.isEmpty() && !rest.get(0).isEmpty()) throw new IllegalArgumentException("unexpected argument: " + rest.get(0));

            List<Insn> program = decodeProgram(parseHex(programHex, "program"));
            byte[] memory = parseHex(memoryHex, "memory");
            try (Machine machine = new Machine()) {
                JitRuntime runtime = new JitRuntime(machine, CallDispatcher.NONE);
                runtime.installFaultHandler(FaultHandler.DELIVER_ALL);
                LoadedProgram loaded = runtime.load("conformance", program, JitOptions.PLAIN);
                long data = runtime.kernelData(memory);
                JitRuntime.Outcome outcome = runtime.run(loaded, Budget.DEFAULT, data, memory.length);
                if (outcome instanceof JitRuntime.Outcome.Returned r) {
                    out.println(Long.toHexString(r.r0()));
                    return 0;
                }
                err.println("program did not return: " + outcome);
                return 1;
            }
        } catch (IOException | RuntimeException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
    }

    static byte[] parseHex(String text, String what) {
        String[] tokens = text.trim().isEmpty() ? new String[0] : text.trim().split("\\s+");
        byte[] bytes = new byte[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            try {
                int v = Integer.parseInt(tokens[i], 16);
                if (v < 0 || v > 0xFF) throw new NumberFormatException();
                bytes[i] = (byte) v;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(what + " byte " + i + ": not a hex byte: '" + tokens[i] + "'");
            }
        }
        return bytes;
    }

    static List<Insn> decodeProgram(byte[] bytes) {
        if (bytes.length == 0 || bytes.length % 8 != 0) throw new IllegalArgumentException("program length " + bytes.length + " is not a positive multiple of 8");
        List<Insn> insns = new ArrayList<>();
        for (int i = 0; i < bytes.length; i += 8) {
            long raw = 0;
            for (int b = 7; b >= 0; b--) raw = raw << 8 | (bytes[i + b] & 0xFFL);
            insns.add(Insn.decode(raw));
        }
        return insns;
    }
}
