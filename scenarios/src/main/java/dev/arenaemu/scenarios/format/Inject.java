package dev.arenaemu.scenarios.format;

/**
 * A fault-injection request, modelled on Linux's fault_attr (lib/fault-inject.c): fail the
 * {@code nth} hit of {@code site} (1-based, like fail_nth), or fail hits at random with
 * {@code probability} percent from a {@code seed}, at most {@code times} times (0 = unlimited),
 * considering only every {@code interval}-th hit.
 */
public record Inject(Where where, String site, long nth, int probability, long seed, long times, long interval) {
    public boolean nthMode() {
        return nth > 0;
    }
}
