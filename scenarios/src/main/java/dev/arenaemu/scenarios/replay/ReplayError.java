package dev.arenaemu.scenarios.replay;

/**
 * A replay that cannot go on. Usually bad input — the scenario cannot be replayed as written (a
 * step needs an arena that does not exist, an expression names a symbol with no value yet): the
 * CLI exits with 2. Or a run that went wrong (user code trapped or ran out of its budget): the
 * scenario fails. The message names the step.
 */
public final class ReplayError extends Exception {
    private final boolean badInput;

    public ReplayError(String message) {
        this(message, true);
    }

    public ReplayError(String message, boolean badInput) {
        super(message);
        this.badInput = badInput;
    }

    /** True when the scenario itself is at fault (exit 2), false when the replay failed (exit 1). */
    public boolean badInput() {
        return badInput;
    }
}
