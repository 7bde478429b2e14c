package dev.arenaemu.scenarios.format;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One scenario file, fully checked: every symbol, process and program a step names exists, and
 * every number is in range. What can only be known while replaying (an address not yet fixed)
 * is checked then, and reported with the step index.
 *
 * @param processes   user processes that exist at the start, in order; forks add more
 * @param inject      fault injection active for the whole replay (steps may add their own)
 * @param finalState  expectations checked after the last step, before teardown
 * @param maxInstructions instruction budget per CPU run (user code, BPF program)
 */
public record Scenario(Path file, String name, String description, Set<Era> eras, long seed,
                       List<String> processes, Map<String, ProgramSpec> programs, List<Inject> inject,
                       List<Step> steps, Expect finalState, long maxInstructions) {
    public static final long DEFAULT_MAX_INSTRUCTIONS = 1_000_000;
    public static final int MAX_STEPS = 100_000;
}
