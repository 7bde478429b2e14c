package dev.arenaemu.scenarios.replay;

/**
 * A replay that cannot go on. Usually bad input — the scenario cannot be replayed as written (a
 * step needs an arena that does not exist, an expression names a symbol with no value yet): the
 * CLI exits with 2. Or a run that went wrong (user code trapped or ran out of its budget): the
 * scenario fails. Or the scenario went past one of its {@link Limits} (wall clock, processes):
 * status LIMIT, exit 2. The message names the step.
 */
public final class ReplayError extends Exception {
    /** What the error says about the scenario, and so which status its run gets. */
    public enum Kind { BAD_INPUT, FAILED, LIMIT }

    private final Kind kind;

    public ReplayError(String message) {
        this(message, Kind.BAD_INPUT);
    }

    public ReplayError(String message, boolean badInput) {
        this(message, badInput ? Kind.BAD_INPUT : Kind.FAILED);
    }

    public ReplayError(String message, Kind kind) {
        super(message);
        this.kind = kind;
    }

    /** The scenario went past one of its limits (see {@link Limits}). */
    public static ReplayError limit(String message) {
        return new ReplayError(message, Kind.LIMIT);
    }

    public Kind kind() {
        return kind;
    }

    /** True when the scenario itself is at fault (exit 2), false when the replay failed (exit 1). */
    public boolean badInput() {
        return kind == Kind.BAD_INPUT;
    }
}
