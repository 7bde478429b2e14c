package dev.arenaemu.scenarios.replay;

/**
 * One expectation that did not hold: where (step index and place in the file), what was
 * checked, expected vs actual, and an excerpt of the page map around the address involved.
 */
public record Mismatch(int step, String place, String what, String expected, String actual, String excerpt) {
    public String describe() {
        StringBuilder b = new StringBuilder();
        b.append(place).append(": ").append(what).append("\n    expected: ").append(expected).append("\n    actual:   ").append(actual);
        if (excerpt != null && !excerpt.isEmpty()) b.append("\n").append(excerpt.indent(4).stripTrailing());
        return b.toString();
    }
}
