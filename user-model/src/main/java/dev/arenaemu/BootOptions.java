package dev.arenaemu;

import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.emulator.cpu.MachinePool;
import dev.arenaemu.kernel.Capability;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.mm.Frames;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * What {@link ArenaEmu} boots: the kernel era, the machine's kernel CPUs, the RAM its page
 * allocator may hand out, the caller's capabilities, where the machine comes from and what freed
 * pages become. Start from {@link #of(KernelEra)} and change what differs:
 * {@code BootOptions.of(KernelEra.V6_13).withCpus(4).withCapabilities(EnumSet.of(Capability.CAP_BPF))}.
 *
 * @param era          whose arena semantics the kernel follows (docs/semantics.md#eras)
 * @param cpus         kernel CPUs of the machine (flush_tlb_kernel_range reaches every one), 1..64
 * @param ramBytes     RAM the page allocator may hand out: small values make -ENOMEM reachable
 * @param capabilities what the (single) caller may do: capable(CAP_BPF) etc.
 * @param pool         where the machine comes from and goes back to when the system closes;
 *                     null: a machine of its own, booted for it and closed with it
 * @param freePolicy   freed pages poisoned and checked on reuse (mm/page_poison.c, the default),
 *                     or discarded for workloads that free gigabytes
 */
public record BootOptions(KernelEra era, int cpus, long ramBytes, Set<Capability> capabilities, MachinePool pool,
                          Frames.FreePolicy freePolicy) {
    /** 1 GiB: every corpus scenario fits, and a test can still exhaust it on purpose. */
    public static final long DEFAULT_RAM_BYTES = 1L << 30;

    public BootOptions {
        if (era == null) throw new IllegalArgumentException("era is required");
        if (cpus < 1 || cpus > 64) throw new IllegalArgumentException("CPU count " + cpus + " (1..64)");
        if (ramBytes < Frames.PAGE_SIZE) throw new IllegalArgumentException("RAM of " + ramBytes + " bytes is less than a page");
        capabilities = Set.copyOf(capabilities);   // immutable: a system keeps what it booted with
        if (freePolicy == null) throw new IllegalArgumentException("free policy is required");
    }

    /** {@code era} with the defaults: 2 CPUs, 1 GiB, every capability, a machine of its own, poisoned frees. */
    public static BootOptions of(KernelEra era) {
        return new BootOptions(era, Machine.DEFAULT_CPUS, DEFAULT_RAM_BYTES, EnumSet.allOf(Capability.class), null, Frames.FreePolicy.POISON);
    }

    /**
     * The era as scenarios and the command line name it: "v6.13", "v7.0", "latest" (also the
     * constant names and the docs' era tags, see {@link KernelEra#parse}). Throws
     * IllegalArgumentException for a name no era has.
     */
    public static BootOptions of(String era) {
        KernelEra e = KernelEra.parse(era);
        if (e == null) {
            throw new IllegalArgumentException("unknown era '" + era + "' (known: "
                + String.join(", ", EnumSet.allOf(KernelEra.class).stream().map(BootOptions::label).toList()) + ")");
        }
        return of(e);
    }

    /** The name scenarios give an era: V6_13 → "v6.13", LATEST → "latest". */
    static String label(KernelEra era) {
        return era.name().toLowerCase(Locale.ROOT).replace('_', '.');
    }

    public BootOptions withEra(KernelEra newEra) {
        return new BootOptions(newEra, cpus, ramBytes, capabilities, pool, freePolicy);
    }

    public BootOptions withCpus(int newCpus) {
        return new BootOptions(era, newCpus, ramBytes, capabilities, pool, freePolicy);
    }

    public BootOptions withRamBytes(long newRamBytes) {
        return new BootOptions(era, cpus, newRamBytes, capabilities, pool, freePolicy);
    }

    public BootOptions withCapabilities(Set<Capability> newCapabilities) {
        return new BootOptions(era, cpus, ramBytes, newCapabilities, pool, freePolicy);
    }

    /** Machines from {@code newPool} (e.g. {@link MachinePool#shared()}): reset ones instead of newly booted ones. */
    public BootOptions withPool(MachinePool newPool) {
        return new BootOptions(era, cpus, ramBytes, capabilities, newPool, freePolicy);
    }

    public BootOptions withFreePolicy(Frames.FreePolicy newFreePolicy) {
        return new BootOptions(era, cpus, ramBytes, capabilities, pool, newFreePolicy);
    }
}
