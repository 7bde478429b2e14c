package dev.arenaemu.scenarios.replay;

/**
 * A scenario that cannot be replayed as written (a step needs an arena that does not exist, an
 * expression names a symbol with no value yet, a process is used after it exited). Bad input:
 * the CLI exits with 2. The message starts with the step's place.
 */
public final class ReplayError extends Exception {
    public ReplayError(String message) {
        super(message);
    }
}
