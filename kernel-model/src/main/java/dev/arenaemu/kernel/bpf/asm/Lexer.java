package dev.arenaemu.kernel.bpf.asm;

import java.util.ArrayList;
import java.util.List;

/** Splits one assembler line into tokens, remembering each token's column for error messages. */
final class Lexer {
    enum Kind { IDENT, NUMBER, PUNCT, END }

    record Token(Kind kind, String text, int column) {
        boolean is(String s) { return kind != Kind.END && text.equals(s); }
    }

    /** Longest first, so "s>>=" wins over "s>" and ">>=" over ">=". */
    private static final List<String> OPERATORS = List.of(
        "s>>=", "<<=", ">>=", "s/=", "s%=", "s<=", "s>=", "+=", "-=", "*=", "/=", "|=", "&=", "%=", "^=",
        "==", "!=", ">=", "<=", "s<", "s>", "=", "<", ">", "&", "+", "-", "*", "(", ")", ",", "[", "]", ":");

    private Lexer() {}

    static List<Token> tokens(String text, int lineNo) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) { i++; continue; }
            if (c == ';' || c == '#' || text.startsWith("//", i)) break;
            String op = operatorAt(text, i);
            if (op != null) {
                out.add(new Token(Kind.PUNCT, op, i + 1));
                i += op.length();
            } else if (Character.isDigit(c)) {
                int start = i;
                while (i < text.length() && Character.isLetterOrDigit(text.charAt(i))) i++;
                out.add(new Token(Kind.NUMBER, text.substring(start, i), start + 1));
            } else if (Character.isLetter(c) || c == '_' || c == '.') {
                int start = i;
                while (i < text.length() && (Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '_' || text.charAt(i) == '.')) i++;
                out.add(new Token(Kind.IDENT, text.substring(start, i), start + 1));
            } else {
                throw new AsmException(lineNo, i + 1, "unexpected character '" + c + "'");
            }
        }
        out.add(new Token(Kind.END, "end of line", text.length() + 1));
        return out;
    }

    private static String operatorAt(String text, int i) {
        for (String op : OPERATORS) {
            if (!text.startsWith(op, i)) continue;
            // "s" starts an operator only when an operator character follows (s>, s<, s/=, s%=, s>>=)
            if (op.startsWith("s") && i > 0 && Character.isLetterOrDigit(text.charAt(i - 1))) continue;
            return op;
        }
        return null;
    }
}
