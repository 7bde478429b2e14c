package dev.arenaemu.kernel.bpf.asm;

/** A syntax or range error in assembler input, located by 1-based line and column. */
public final class AsmException extends RuntimeException {
    private final int line;
    private final int column;
    private final String reason;

    public AsmException(int line, int column, String reason) {
        super(line + ":" + column + ": " + reason);
        this.line = line;
        this.column = column;
        this.reason = reason;
    }

    public int line() { return line; }

    public int column() { return column; }

    public String reason() { return reason; }
}
