package dev.arenaemu.scenarios.format;

/**
 * Bad input: a scenario that cannot be read or cannot be replayed as written. The message always
 * starts with the place (file:line:column, or file plus step index) so a user can jump to it.
 * The CLI turns it into exit status 2.
 */
public final class ScenarioException extends Exception {
    public ScenarioException(Where where, String message) {
        super(where + ": " + message);
    }

    public ScenarioException(String place, String message) {
        super(place + ": " + message);
    }

    /** The same error, with the step it happened in appended (for errors found inside a step object). */
    public ScenarioException(ScenarioException inner, int step, String op) {
        super(inner.getMessage() + " (in step " + step + (op == null ? "" : ", op " + op) + ")");
    }
}
