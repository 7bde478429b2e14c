package dev.arenaemu.scenarios.format;

/**
 * The kernel versions a scenario is written for (spec §0): v6.13 is the E3 baseline (mutex,
 * range tree, synchronous free); latest is the E5 snapshot (VM_DONTCOPY, split/mremap rejected,
 * VM_FAULT_OOM, mem_usage, NUMA check, below-start guard in free).
 */
public enum Era {
    V6_13("v6.13"), LATEST("latest");

    public final String label;

    Era(String label) {
        this.label = label;
    }

    public static Era byLabel(String label) {
        for (Era e : values()) if (e.label.equals(label)) return e;
        return null;
    }

    @Override
    public String toString() {
        return label;
    }
}
