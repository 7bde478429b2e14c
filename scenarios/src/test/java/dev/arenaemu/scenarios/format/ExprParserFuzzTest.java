package dev.arenaemu.scenarios.format;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing of the address-expression parser (docs/fuzzing.md). Contract: any
 * text parses, or fails with a {@link ExprParser.SyntaxError} at an offset inside the text (the
 * reader turns it into file:line:column); a parsed expression evaluates with the builtins and
 * {@code sym(...)} globals bound and throws nothing but {@link Expr.Unbound} for other names (64-bit wrapping arithmetic, shifts
 * by 64 or more give 0, as scenarios/README.md "Expressions" says).
 */
class ExprParserFuzzTest {
    /** The builtins bound as in a running world, and every {@code sym(name)} bound to some arena address. */
    private static final Expr.Symbols BUILTINS = new Expr.Symbols() {
        @Override
        public long lookup(String name) {
            return switch (name) {
                case "base" -> 0x7f00_8000_0000L;
                case "end" -> 0x7f00_8000_0000L + (1L << 32);
                case "size" -> 1L << 32;
                case "kern_vm_start" -> 0xffff_c900_0000_8000L;
                case "PAGE" -> 4096L;
                case "NULL" -> 0L;
                default -> throw new Expr.Unbound(name);
            };
        }

        @Override
        public long global(String name) {
            return 0x7f00_8000_0000L + (name.hashCode() & 0xFFF8);
        }
    };

    @FuzzTest(maxDuration = "2m")
    void anyText(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        Expr e;
        try {
            e = ExprParser.parse(text);
        } catch (ExprParser.SyntaxError error) {
            assertTrue(error.offset >= 0 && error.offset <= text.length(), () -> "offset " + error.offset + " outside " + text.length());
            return;
        }
        try {
            e.eval(BUILTINS);
        } catch (Expr.Unbound unbound) {
            boolean[] other = {false};
            e.symbols(name -> other[0] |= !Expr.BUILTINS.contains(name));
            assertTrue(other[0], "Unbound although every name is a builtin: " + text);
        }
    }
}
