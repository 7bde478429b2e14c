package dev.arenaemu.scenarios.format;

import java.util.Set;
import java.util.function.Consumer;

/**
 * An address or value expression from a scenario, e.g. {@code base+0x1000}, {@code kern(base+8K)},
 * {@code end-2*PAGE}. Syntax and symbols are documented in docs/scenario-format.md#expressions.
 * Arithmetic is 64-bit two's complement, like the kernel's unsigned long math.
 */
public sealed interface Expr {
    /** Evaluates against the symbols of a running world; unknown symbols throw {@link Unbound}. */
    long eval(Symbols symbols);

    /** Visits every symbol name the expression mentions (checked against known names while reading). */
    void symbols(Consumer<String> visitor);

    /** Symbols bound by the replayer (the arena's addresses) or by a step's {@code "as"}. */
    interface Symbols {
        /** The symbol's value; throws {@link Unbound} if it has none yet. */
        long lookup(String name);

        /** The user address of the {@code __arena} global {@code name}; throws {@link Unbound} when no program object defines it. */
        default long global(String name) {
            throw new Unbound("sym(" + name + "): no program object of this scenario defines an __arena global of that name");
        }
    }

    /** A symbol used before it has a value (e.g. {@code base} before the arena exists). */
    final class Unbound extends RuntimeException {
        public Unbound(String message) {
            super(message);
        }
    }

    /** Names the language itself defines; every other name must be bound by a step's "as". */
    Set<String> BUILTINS = Set.of("base", "end", "size", "kern_vm_start", "PAGE", "NULL");

    /**
     * Functions: {@code kern(x) = kern_vm_start + lo32(x)}, {@code lo32}, {@code hi32},
     * {@code clear_lo32}, and {@code sym(name)}, which takes a global's name, not an expression.
     */
    Set<String> FUNCTIONS = Set.of("kern", "lo32", "hi32", "clear_lo32", "sym");

    record Num(long value) implements Expr {
        public long eval(Symbols s) { return value; }
        public void symbols(Consumer<String> v) {}
    }

    record Sym(String name) implements Expr {
        public long eval(Symbols s) { return s.lookup(name); }
        public void symbols(Consumer<String> v) { v.accept(name); }
    }

    record Neg(Expr operand) implements Expr {
        public long eval(Symbols s) { return -operand.eval(s); }
        public void symbols(Consumer<String> v) { operand.symbols(v); }
    }

    record Binary(char op, Expr left, Expr right) implements Expr {
        public long eval(Symbols s) {
            long a = left.eval(s), b = right.eval(s);
            return switch (op) {
                case '+' -> a + b;
                case '-' -> a - b;
                case '*' -> a * b;
                case '&' -> a & b;
                case '|' -> a | b;
                case '<' -> b < 0 || b > 63 ? 0 : a << b;
                case '>' -> b < 0 || b > 63 ? 0 : a >>> b;
                default -> throw new IllegalStateException("operator " + op);
            };
        }
        public void symbols(Consumer<String> v) { left.symbols(v); right.symbols(v); }
    }

    /**
     * {@code sym(name)}: where an {@code __arena} global of the scenario's program objects lives
     * in user space, {@code user_vm_start + arena_data_off + offset}; arena_data_off is the
     * era's libbpf placement (offset 0 in v6.13, the end of the mapping from v7.0).
     */
    record Global(String name) implements Expr {
        public long eval(Symbols s) { return s.global(name); }
        public void symbols(Consumer<String> v) {}
    }

    record Call(String function, Expr argument) implements Expr {
        public long eval(Symbols s) {
            long x = argument.eval(s);
            return switch (function) {
                case "kern" -> s.lookup("kern_vm_start") + (x & 0xFFFF_FFFFL);
                case "lo32" -> x & 0xFFFF_FFFFL;
                case "hi32" -> x >>> 32;
                case "clear_lo32" -> x & ~0xFFFF_FFFFL;
                default -> throw new IllegalStateException("function " + function);
            };
        }
        public void symbols(Consumer<String> v) {
            if (function.equals("kern")) v.accept("kern_vm_start");
            argument.symbols(v);
        }
    }
}
