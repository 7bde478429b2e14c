package dev.arenaemu.scenarios.format;

/** A place in a scenario file, printed the way compilers do: {@code file:line:column}. */
public record Where(String file, int line, int column) {
    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
