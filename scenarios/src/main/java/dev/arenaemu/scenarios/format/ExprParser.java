package dev.arenaemu.scenarios.format;

/**
 * Recursive-descent parser for {@link Expr}:
 * <pre>
 *   expr    := shift (('&' | '|') shift)*
 *   shift   := sum (('<<' | '>>') sum)*                     '>>' is a logical (unsigned) shift
 *   sum     := term (('+' | '-') term)*
 *   term    := unary ('*' unary)*
 *   unary   := '-' unary | primary
 *   primary := number | name | name '(' expr ')' | 'sym' '(' identifier ')' | '(' expr ')'
 *   number  := decimal | 0x hex | 0b binary, '_' allowed between digits, optional K M G T suffix (x 2^10..2^40)
 * </pre>
 * Errors give the character offset inside the expression; the reader adds the file position.
 *
 * <p>Bounded, so that hostile input is a located error and not a {@link StackOverflowError}:
 * at most {@link #MAX_NESTING} levels of parentheses, function calls and unary minus, and at
 * most {@link #MAX_OPERANDS} numbers and names. The parse tree's depth is then bounded too, so
 * evaluating it (recursively) is safe on any thread's default stack.
 */
public final class ExprParser {
    /** Parentheses, function calls and unary minus nested inside each other. */
    public static final int MAX_NESTING = 100;
    /** Numbers and names in one expression. */
    public static final int MAX_OPERANDS = 1000;

    /** A syntax error at character {@code offset} (0-based) of the expression text. */
    public static final class SyntaxError extends Exception {
        public final int offset;

        SyntaxError(int offset, String message) {
            super(message);
            this.offset = offset;
        }
    }

    private final String text;
    private int pos;
    private int nesting;
    private int operands;

    private ExprParser(String text) {
        this.text = text;
    }

    public static Expr parse(String text) throws SyntaxError {
        ExprParser p = new ExprParser(text);
        p.skipSpace();
        if (p.pos == text.length()) throw new SyntaxError(0, "empty expression");
        Expr e = p.expr();
        p.skipSpace();
        if (p.pos != text.length()) throw new SyntaxError(p.pos, "unexpected '" + text.charAt(p.pos) + "'");
        return e;
    }

    /**
     * The binary operators by precedence, loosest first (expr, shift, sum, term in the grammar
     * above); all are left-associative, and a level's operands are the next level's.
     */
    private static final String[][] LEVELS = {{"&", "|"}, {"<<", ">>"}, {"+", "-"}, {"*"}};

    private Expr expr() throws SyntaxError {
        return binary(0);
    }

    /** An operand of LEVELS[level], then any number of (operator, operand) pairs of that level. */
    private Expr binary(int level) throws SyntaxError {
        if (level == LEVELS.length) return unary();
        Expr left = binary(level + 1);
        while (true) {
            skipSpace();
            String op = operatorAt(LEVELS[level]);
            if (op == null) return left;
            pos += op.length();
            // Expr.Binary names "<<" and ">>" by their first character
            left = new Expr.Binary(op.charAt(0), left, binary(level + 1));
        }
    }

    /** The one of {@code ops} the text continues with at {@link #pos}, or null. */
    private String operatorAt(String[] ops) {
        for (String op : ops) if (text.startsWith(op, pos)) return op;
        return null;
    }

    private Expr unary() throws SyntaxError {
        skipSpace();
        if (pos < text.length() && text.charAt(pos) == '-') {
            enter();
            pos++;
            Expr e = new Expr.Neg(unary());
            nesting--;
            return e;
        }
        return primary();
    }

    /** One more level of nesting at {@link #pos}; refused beyond {@link #MAX_NESTING}. */
    private void enter() throws SyntaxError {
        if (++nesting > MAX_NESTING) throw new SyntaxError(pos, "nested more than " + MAX_NESTING + " levels deep (parentheses, calls, unary minus)");
    }

    /** One more number or name at {@link #pos}; refused beyond {@link #MAX_OPERANDS}. */
    private void operand() throws SyntaxError {
        if (++operands > MAX_OPERANDS) throw new SyntaxError(pos, "more than " + MAX_OPERANDS + " numbers and names in one expression");
    }

    private Expr primary() throws SyntaxError {
        skipSpace();
        if (pos >= text.length()) throw new SyntaxError(pos, "expression ends where a number, name or '(' was expected");
        char c = text.charAt(pos);
        if (c == '(') {
            enter();
            pos++;
            Expr inner = expr();
            expect(')');
            nesting--;
            return inner;
        }
        if (Character.isDigit(c)) {
            operand();
            return number();
        }
        if (Character.isLetter(c) || c == '_') {
            operand();
            int start = pos;
            while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) pos++;
            String name = text.substring(start, pos);
            skipSpace();
            if (pos < text.length() && text.charAt(pos) == '(') {
                if (!Expr.FUNCTIONS.contains(name)) throw new SyntaxError(start, "unknown function '" + name + "' (known: kern, lo32, hi32, clear_lo32, sym)");
                enter();
                pos++;
                if (name.equals("sym")) {
                    Expr.Global g = new Expr.Global(identifier());
                    expect(')');
                    nesting--;
                    return g;
                }
                Expr arg = expr();
                expect(')');
                nesting--;
                return new Expr.Call(name, arg);
            }
            if (Expr.FUNCTIONS.contains(name)) throw new SyntaxError(start, "function '" + name + "' needs an argument in parentheses");
            return new Expr.Sym(name);
        }
        throw new SyntaxError(pos, "unexpected '" + c + "'");
    }

    /** The argument of {@code sym(...)}: a C identifier, the name of an {@code __arena} global. */
    private String identifier() throws SyntaxError {
        skipSpace();
        int start = pos;
        while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) pos++;
        String name = text.substring(start, pos);
        if (name.isEmpty() || Character.isDigit(name.charAt(0))) throw new SyntaxError(start, "sym() takes the name of an __arena global");
        return name;
    }

    private Expr number() throws SyntaxError {
        int start = pos;
        int radix = 10;
        if (text.startsWith("0x", pos) || text.startsWith("0X", pos)) { radix = 16; pos += 2; }
        else if (text.startsWith("0b", pos) || text.startsWith("0B", pos)) { radix = 2; pos += 2; }
        StringBuilder digits = new StringBuilder();
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '_') { pos++; continue; }
            if (Character.digit(c, radix) < 0) break;
            digits.append(c);
            pos++;
        }
        if (digits.isEmpty()) throw new SyntaxError(start, "number without digits");
        int shift = 0;
        if (pos < text.length()) {
            switch (text.charAt(pos)) {
                case 'K' -> shift = 10;
                case 'M' -> shift = 20;
                case 'G' -> shift = 30;
                case 'T' -> shift = 40;
                default -> { }
            }
            if (shift != 0) pos++;
        }
        if (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
            throw new SyntaxError(pos, "bad character '" + text.charAt(pos) + "' in number");
        }
        java.math.BigInteger v = new java.math.BigInteger(digits.toString(), radix).shiftLeft(shift);
        if (v.bitLength() > 64) throw new SyntaxError(start, "number does not fit in 64 bits");
        return new Expr.Num(v.longValue());
    }

    private void expect(char c) throws SyntaxError {
        skipSpace();
        if (pos >= text.length() || text.charAt(pos) != c) {
            throw new SyntaxError(pos, "expected '" + c + "'" + (pos >= text.length() ? " before the end" : " but found '" + text.charAt(pos) + "'"));
        }
        pos++;
    }

    private void skipSpace() {
        while (pos < text.length() && text.charAt(pos) == ' ') pos++;
    }
}
