package dev.arenaemu.scenarios.oracle;

/** Something the oracle cannot work with (a kernel, a tool, the host): the message says what and where; exit status 2. */
public final class OracleException extends Exception {
    public OracleException(String message) {
        super(message);
    }

    public OracleException(String message, Throwable cause) {
        super(message, cause);
    }
}
