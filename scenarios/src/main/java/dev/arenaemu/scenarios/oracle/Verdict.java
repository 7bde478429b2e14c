package dev.arenaemu.scenarios.oracle;

import java.util.List;

/** The comparison of one step: what the emulator and the kernel showed, field by field. */
public sealed interface Verdict {
    int step();

    record Agree(int step) implements Verdict {}

    /** The fields that differ, each with both values. */
    record Disagree(int step, List<Difference> differences, String kernelNote) implements Verdict {}

    record NotObservable(int step, String reason) implements Verdict {}

    /** The kernel side could not run the step (panic, hang, runner crash): the message names it. */
    record Error(int step, String message) implements Verdict {}

    record Difference(String field, String emulator, String kernel) {
        @Override
        public String toString() {
            return field + ": emulator " + emulator + ", kernel " + kernel;
        }
    }
}
