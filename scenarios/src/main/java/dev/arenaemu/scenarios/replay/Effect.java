package dev.arenaemu.scenarios.replay;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What one step did, as far as expectations can ask: its return value, a user-visible signal,
 * the value a user read produced, registers after code ran, whether an arena fault-in happened,
 * and a one-line description for the trace.
 */
public record Effect(String summary, OptionalLong ret, Optional<SignalInfo> signal, OptionalLong value,
                     Map<String, Long> regs, boolean faultIn, OptionalLong focus, List<String> stderr) {

    public Effect(String summary, OptionalLong ret, Optional<SignalInfo> signal, OptionalLong value, Map<String, Long> regs, boolean faultIn) {
        this(summary, ret, signal, value, regs, faultIn, OptionalLong.empty(), List.of());
    }

    /** The same effect with the arena address a mismatch excerpt should centre on. */
    public Effect focusedOn(long address) {
        return new Effect(summary, ret, signal, value, regs, faultIn, OptionalLong.of(address), stderr);
    }

    /** The same effect with the lines a BPF program's run appended to its stderr stream (first line of each report). */
    public Effect withStderr(List<String> lines) {
        return new Effect(summary, ret, signal, value, regs, faultIn, focus, List.copyOf(lines));
    }

    /** A delivered signal: si_signo, si_code, si_addr. */
    public record SignalInfo(int signo, int code, long addr) {}

    /** The same effect described by {@code text} in the trace. */
    public Effect withSummary(String text) {
        return new Effect(text, ret, signal, value, regs, faultIn, focus, stderr);
    }

    public Effect withFaultIn() {
        return new Effect(summary, ret, signal, value, regs, true, focus, stderr);
    }

    public static Effect returned(String summary, long ret) {
        return new Effect(summary, OptionalLong.of(ret), Optional.empty(), OptionalLong.empty(), Map.of(), false);
    }

    public static Effect done(String summary) {
        return new Effect(summary, OptionalLong.empty(), Optional.empty(), OptionalLong.empty(), Map.of(), false);
    }
}
