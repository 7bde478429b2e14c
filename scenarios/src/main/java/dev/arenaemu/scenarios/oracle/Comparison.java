package dev.arenaemu.scenarios.oracle;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/** Compares the emulator's and a kernel's observations of one scenario, step by step. */
public final class Comparison {
    private Comparison() {}

    public static List<Verdict> compare(List<StepPlan> plans, SideResult emulator, SideResult kernel) {
        List<Verdict> out = new ArrayList<>();
        boolean kernelStopped = false;
        int stoppedAt = 0;
        String diverged = null;
        for (StepPlan plan : plans) {
            int i = plan.index();
            if (plan.mode() == StepPlan.Mode.NOT_OBSERVABLE) {
                out.add(new Verdict.NotObservable(i, plan.reason()));
                continue;
            }
            if (diverged != null) {
                out.add(new Verdict.NotObservable(i, diverged));
                continue;
            }
            Observation k = kernel.steps().get(i);
            if (k == null) {
                if (kernelStopped) {
                    out.add(new Verdict.NotObservable(i, "not run: the kernel side stopped at step " + stoppedAt));
                } else {
                    kernelStopped = true;
                    stoppedAt = i;
                    out.add(new Verdict.Error(i, kernel.error() != null ? kernel.error() : "the runner reported nothing for this step"));
                }
                continue;
            }
            Observation e = emulator.steps().get(i);
            if (e == null) {
                out.add(new Verdict.NotObservable(i, "the emulator stopped before this step" + (emulator.error() == null ? "" : ": " + emulator.error())));
                continue;
            }
            if (k.notObservable() != null) {
                out.add(new Verdict.NotObservable(i, k.notObservable()));
                // the emulator did the step and the kernel could not (e.g. a kfunc it lacks): later states differ for that reason alone
                if (plan.mode() == StepPlan.Mode.RUN) diverged = "follows step " + i + ", which this kernel could not run (" + k.notObservable() + ")";
                continue;
            }
            if (e.notObservable() != null) {
                out.add(new Verdict.NotObservable(i, e.notObservable()));
                continue;
            }
            out.add(fields(i, e.fields(), k.fields(), k.note()));
        }
        return out;
    }

    /** Field by field: a field only one side has is a difference ("none" on the other side). */
    static Verdict fields(int step, Map<String, String> emulator, Map<String, String> kernel, String kernelNote) {
        List<Verdict.Difference> diffs = new ArrayList<>();
        TreeSet<String> keys = new TreeSet<>(emulator.keySet());
        keys.addAll(kernel.keySet());
        for (String key : keys) {
            String a = emulator.getOrDefault(key, "none"), b = kernel.getOrDefault(key, "none");
            if (!Objects.equals(a, b)) diffs.add(new Verdict.Difference(key, a, b));
        }
        return diffs.isEmpty() ? new Verdict.Agree(step) : new Verdict.Disagree(step, List.copyOf(diffs), kernelNote);
    }
}
