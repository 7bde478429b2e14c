package dev.arenaemu.kernel.inject;

/**
 * One site's knobs, as lib/fault-inject.c's struct fault_attr has them (debugfs
 * probability/interval/times/space). {@code probability} is in percent; {@code times} is how
 * many failures may still be injected (-1 = unlimited); {@code interval} makes only every
 * interval-th hit eligible; {@code space} lets that many hits pass first (the kernel counts
 * bytes; here every hit has size 1). Random decisions come from {@code seed}, so a run is
 * reproducible.
 */
public record FaultAttr(int probability, long interval, long times, long space, long seed) {
    public FaultAttr {
        if (probability < 0 || probability > 100) throw new IllegalArgumentException("probability must be 0..100: " + probability);
        if (interval < 0 || space < 0 || times < -1) throw new IllegalArgumentException("negative interval, space or times");
    }

    /** Fail every hit, forever. */
    public static FaultAttr always() {
        return new FaultAttr(100, 1, -1, 0, 0);
    }

    /** Fail each hit with {@code percent} probability, from a seeded generator. */
    public static FaultAttr probability(int percent, long seed) {
        return new FaultAttr(percent, 1, -1, 0, seed);
    }

    public FaultAttr withTimes(long newTimes) {
        return new FaultAttr(probability, interval, newTimes, space, seed);
    }

    public FaultAttr withInterval(long newInterval) {
        return new FaultAttr(probability, newInterval, times, space, seed);
    }

    public FaultAttr withSpace(long newSpace) {
        return new FaultAttr(probability, interval, times, newSpace, seed);
    }
}
