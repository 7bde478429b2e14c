package dev.arenaemu.scenarios.oracle;

/**
 * How the guest runner treats one scenario step: run it and compare what it returns
 * ({@link Mode#RUN}), only look at the state after it ({@link Mode#STATE_ONLY}: the step has no
 * user-visible result of its own, e.g. a checkpoint, or its result is the emulator's alone), or
 * not at all ({@link Mode#NOT_OBSERVABLE}, with the reason).
 */
public record StepPlan(int index, Mode mode, String reason) {
    public enum Mode { RUN, STATE_ONLY, NOT_OBSERVABLE }

    public static StepPlan run(int index) {
        return new StepPlan(index, Mode.RUN, null);
    }
}
