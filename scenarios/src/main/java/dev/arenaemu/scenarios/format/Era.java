package dev.arenaemu.scenarios.format;

/**
 * The kernel versions a scenario is written for (docs/semantics.md#eras): v6.13 is the E3 baseline (mutex,
 * range tree, synchronous free); v7.0 is E4 (spinlock, pre-populated page tables, batched
 * allocation, deferred free from non-sleepable context); latest is the E5 snapshot
 * (VM_DONTCOPY, split/mremap rejected, VM_FAULT_OOM, mem_usage, NUMA check, below-start guard).
 */
public enum Era {
    V6_13("v6.13"), V7_0("v7.0"), LATEST("latest");

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
