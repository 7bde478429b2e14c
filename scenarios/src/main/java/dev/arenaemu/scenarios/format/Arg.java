package dev.arenaemu.scenarios.format;

/** An expression as written in a scenario: its text (for traces and diffs), parsed form and place. */
public record Arg(String text, Expr expr, Where where) {
    public static Arg of(long value, Where where) {
        return new Arg(Long.toString(value), new Expr.Num(value), where);
    }

    public long eval(Expr.Symbols symbols) {
        return expr.eval(symbols);
    }

    @Override
    public String toString() {
        return text;
    }
}
