package dev.arenaemu.scenarios.oracle;

import java.util.Map;

/**
 * One side's observations of one scenario, by step index, and why it stopped early (null: it ran
 * every step it was given). {@code errorStep} is the step the error concerns (-2: none known).
 */
public record SideResult(Map<Integer, Observation> steps, String error, int errorStep) {
    public static final int NO_STEP = -2;
}
