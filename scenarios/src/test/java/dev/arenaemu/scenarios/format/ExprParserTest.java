package dev.arenaemu.scenarios.format;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The address expression language of docs/scenario-format.md#expressions. */
class ExprParserTest {
    private static final Map<String, Long> SYMBOLS = Map.of("base", 0x7f00_8000_0000L, "kern_vm_start", 0xffff_c900_0000_8000L, "PAGE", 4096L);

    private static long eval(String text) throws Exception {
        return ExprParser.parse(text).eval(name -> {
            Long v = SYMBOLS.get(name);
            if (v == null) throw new Expr.Unbound(name);
            return v;
        });
    }

    @Test
    void numbersTakeHexBinaryUnderscoresAndBinarySuffixes() throws Exception {
        assertEquals(0x1000_FFFF_E000L, eval("0x1000_FFFF_E000"));
        assertEquals(5, eval("0b101"));
        assertEquals(8192, eval("8K"));
        assertEquals(4L << 30, eval("4G"));
        assertEquals(1L << 40, eval("1T"));
    }

    @Test
    void precedenceIsCs() throws Exception {
        assertEquals(0x7f00_8000_0000L + 2 * 4096 + 1, eval("base + 2*PAGE + 1"));
        assertEquals((1L << 44) | 0xFFFF_E000L, eval("(1<<44) | (0xFFFFFFFF - 2*4096 + 1)"));
        assertEquals(1L << 43, eval("1<<44>>1"));
        assertEquals(-4096, eval("-PAGE"));
    }

    @Test
    void kernAddsTheLow32BitsToKernVmStart() throws Exception {
        assertEquals(0xffff_c900_0000_8000L + 0x8000_1000L, eval("kern(base+4K)"));
        assertEquals(0x7f00_0000_0000L, eval("clear_lo32(base)"));
        assertEquals(0x7f00, eval("hi32(base)"));
    }

    @Test
    void syntaxErrorsGiveTheOffsetInsideTheExpression() {
        ExprParser.SyntaxError e = assertThrows(ExprParser.SyntaxError.class, () -> ExprParser.parse("base + * 2"));
        assertEquals(7, e.offset);
        assertEquals(0, assertThrows(ExprParser.SyntaxError.class, () -> ExprParser.parse("kern base")).offset, "a function name without parentheses");
        assertEquals(0, assertThrows(ExprParser.SyntaxError.class, () -> ExprParser.parse("0x1_0000_0000_0000_0000")).offset);
        assertEquals(4, assertThrows(ExprParser.SyntaxError.class, () -> ExprParser.parse("(1+2")).offset);
        assertEquals(1, assertThrows(ExprParser.SyntaxError.class, () -> ExprParser.parse("8Q")).offset);
    }
}
