package dev.arenaemu.scenarios.oracle;

import dev.arenaemu.kernel.bpf.BpfMap;
import dev.arenaemu.kernel.mm.VmFlag;
import dev.arenaemu.scenarios.check.WorldState;
import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.format.Step;
import dev.arenaemu.scenarios.replay.Effect;
import dev.arenaemu.scenarios.replay.Outcome;
import dev.arenaemu.scenarios.replay.Replayer;
import dev.arenaemu.scenarios.replay.World;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Replays a compiled scenario on the emulator and records, after each step, what a real kernel could show too. */
public final class EmulatorSide {
    private EmulatorSide() {}

    public static SideResult run(CompiledScenario cs, Era era) {
        Map<Integer, Observation> steps = new HashMap<>();
        Replayer replayer = new Replayer().withListener((step, effect, world, after) -> {
            // The real kernel runs its workqueue (E4's deferred frees) as soon as the step's syscall
            // returns, before the runner can read /proc: the emulator runs what is pending at the same
            // point, so both sides show the state after the worker (docs/oracle.md, "Deferred work").
            WorldState seen = world.kernel().runPendingWork() > 0 ? world.state() : after;
            int i = step.common().index();
            StepPlan plan = cs.plan(i);
            if (plan.mode() == StepPlan.Mode.NOT_OBSERVABLE) return;
            steps.put(i, new Observation(i, Normalizer.fields(step, plan.mode(), raw(cs, effect, world, seen)), null, null));
        });
        Outcome o = replayer.run(cs.scenario(), era, List.of(), "oracle");
        return new SideResult(steps, o.error(), SideResult.NO_STEP);
    }

    static RawStep raw(CompiledScenario cs, Effect effect, World world, WorldState after) {
        List<RawStep.Arena> arenas = new ArrayList<>();
        int k = 0;
        for (BpfMap.ArenaMap m : world.arenaMaps()) {
            if (m.arena().isFreed()) continue;
            String label = after.arenas().get(k++).name().replaceAll("#\\d+$", "");
            arenas.add(new RawStep.Arena(label, m.arena().userVmStart(), m.arena().userVmEnd(), m.arena().memUsage()));
        }
        List<RawStep.Proc> procs = new ArrayList<>();
        for (String name : cs.processes()) {
            for (WorldState.SpaceState s : after.spaces()) {
                if (!s.process().equals(name)) continue;
                List<RawStep.Vma> vmas = new ArrayList<>();
                for (WorldState.VmaRange v : s.arenaVmas()) vmas.add(new RawStep.Vma(v.start(), v.end(), perms(v.flags())));
                List<RawStep.Pte> ptes = new ArrayList<>();
                s.ptes().forEach((va, pte) -> ptes.add(new RawStep.Pte(va, WorldState.frameOf(pte))));
                procs.add(new RawStep.Proc(name, vmas, ptes));
            }
        }
        RawStep.Signal sig = effect.signal().map(x -> new RawStep.Signal(x.signo(), x.code(), x.addr())).orElse(null);
        return new RawStep(effect.ret(), effect.value(), sig, arenas, procs);
    }

    /** vm_flags as /proc/PID/maps prints them ("rw-s": s for a VM_MAYSHARE mapping). */
    static String perms(long flags) {
        return (VmFlag.has(flags, VmFlag.READ) ? "r" : "-") + (VmFlag.has(flags, VmFlag.WRITE) ? "w" : "-")
            + (VmFlag.has(flags, VmFlag.EXEC) ? "x" : "-") + (VmFlag.has(flags, VmFlag.MAYSHARE) || VmFlag.has(flags, VmFlag.SHARED) ? "s" : "p");
    }
}
