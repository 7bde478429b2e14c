package dev.arenaemu.scenarios.cli;

import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.mm.VmFaultResult;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code arena-emu eras}: the kernel eras the models follow and what differs between them, derived
 * from {@link KernelEra#switches()}, i.e. from calling every behaviour switch in every era. The
 * first era lists every switch with its value; each later era lists the switches whose value
 * changes from the era before it.
 */
@Command(name = "eras", mixinStandardHelpOptions = true,
    description = "List the kernel eras (v6.9 ... latest) and the behaviours that differ between them, from the model's era switches.")
final class ErasCommand implements Callable<Integer> {
    @CommandLine.Option(names = "--all", description = "List every switch with its value in every era, not only the changes.")
    boolean all;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<KernelEra.Switch> switches = KernelEra.switches();
        List<KernelEra> eras = KernelEra.eras();
        for (int i = 0; i < eras.size(); i++) {
            KernelEra era = eras.get(i);
            KernelEra previous = i == 0 ? null : eras.get(i - 1);
            List<KernelEra.Switch> shown = switches.stream()
                .filter(s -> all || previous == null || s.changesIn().contains(era)).toList();
            out.printf("%s %s%s: %s%n", era.tag(), era.label(), aliases(era),
                previous == null ? switches.size() + " behaviour switches" : shown.size() + (all ? " switches" : " change(s) from " + previous.label()));
            for (KernelEra.Switch s : shown) {
                String value = show(s.values().get(era));
                boolean changed = previous != null && s.changesIn().contains(era);
                out.printf("  %s %s = %s%s%n      %s: %s%n", changed ? "*" : " ", s.name(), value,
                    changed ? " (was " + show(s.values().get(previous)) + ")" : "", s.function(), s.change());
            }
        }
        for (KernelEra profile : KernelEra.profiles()) profile(out, profile, switches);
        out.flush();
        return Main.PASS;
    }

    /** A behaviour profile: its base era, the backports it carries and the switches they change. */
    private void profile(PrintWriter out, KernelEra profile, List<KernelEra.Switch> switches) {
        KernelEra base = profile.base();
        List<KernelEra.Switch> shown = switches.stream().filter(s -> all || s.differsFromBase(profile)).toList();
        out.printf("%s %s (profile): %s plus %d backport(s), %d %s%n", profile.tag(), profile.label(), base.label(), profile.backports().size(),
            shown.size(), all ? "switches" : "change(s) from " + base.label());
        for (dev.arenaemu.kernel.Backport b : profile.backports()) {
            out.printf("    backport %s, upstream %s (stable %s)%n", b.commit.title(), b.commit.upstream(), b.commit.stable());
        }
        for (KernelEra.Switch s : shown) {
            boolean changed = s.differsFromBase(profile);
            out.printf("  %s %s = %s%s%n      %s: %s%n", changed ? "*" : " ", s.name(), show(s.values().get(profile)),
                changed ? " (" + base.label() + ": " + show(s.values().get(base)) + ")" : "", s.function(), s.change());
        }
    }

    /** A switch value as the kernel names it: VM_FAULT_* for fault results, else its text. */
    private static String show(Object value) {
        if (value instanceof VmFaultResult r) return "VM_FAULT_" + r.getClass().getSimpleName().toUpperCase(Locale.ROOT);
        return String.valueOf(value);
    }

    private static String aliases(KernelEra era) {
        List<String> v = era.versions();
        return v.size() > 1 ? " (also " + String.join(", ", v.subList(1, v.size())) + ")" : "";
    }
}
