package dev.arenaemu.scenarios.format;

import java.util.Locale;

/**
 * The kernel versions a scenario is written for (docs/semantics.md#eras): v6.9 is E1 (the seed commit: maple
 * tree, no vm_ops->open, no arena atomics), v6.10 is E2 (v6.10–v6.12: refcounted vma_list
 * entries, PROBE_ATOMIC; "v6.11" and "v6.12" name it too), v6.13 is the E3 baseline (mutex,
 * range tree, synchronous free); v7.0 is E4 (spinlock, pre-populated page tables, batched
 * allocation, deferred free from non-sleepable context); latest is the E5 snapshot
 * (VM_DONTCOPY, split/mremap rejected, VM_FAULT_OOM, mem_usage, NUMA check, below-start guard).
 * v6.12-stable and v7.0-stable are the behaviour profiles of the stable builds the real-kernel
 * oracle ran (docs/eras.md#profiles-for-real-builds): v6.10 and v7.0 plus the later fixes those
 * series carry. Each follows its base era in declaration order, so {@code compareTo} still orders
 * user-space conventions (libbpf's globals placement) by kernel release.
 */
public enum Era {
    V6_9("v6.9"), V6_10("v6.10"), V6_12_STABLE("v6.12-stable"), V6_13("v6.13"), V7_0("v7.0"), V7_0_STABLE("v7.0-stable"), LATEST("latest");

    /** The labels the reader and the CLI accept, for error messages. */
    public static final String KNOWN = "v6.9, v6.10 (also v6.11, v6.12), v6.12-stable, v6.13, v7.0, v7.0-stable, latest";

    public final String label;

    Era(String label) {
        this.label = label;
    }

    /** The era a label names; v6.11 and v6.12 are E2 like v6.10. Null for anything else. */
    public static Era byLabel(String label) {
        for (Era e : values()) if (e.label.equals(label)) return e;
        return switch (label.toLowerCase(Locale.ROOT)) {
            case "v6.11", "v6.12" -> V6_10;
            default -> null;
        };
    }

    @Override
    public String toString() {
        return label;
    }
}
