package dev.arenaemu.kernel.bpf.asm;

/** A syntax or range error in assembler input, located by 1-based line and column. */
public final class AsmException extends RuntimeException {
    /** A place in the assembler source: 1-based line and column. */
    public record Position(int line, int column) {}

    private final Position at;
    private final String reason;

    public AsmException(int line, int column, String reason) {
        super(line + ":" + column + ": " + reason);
        this.at = new Position(line, column);
        this.reason = reason;
    }

    /** Where in the source the error is. */
    public Position at() { return at; }

    /** What is wrong there, without the place. */
    public String reason() { return reason; }
}
