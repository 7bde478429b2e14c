package dev.arenaemu.scenarios.replay;

import dev.arenaemu.emulator.cpu.MachinePool;
import dev.arenaemu.kernel.KernelBug;
import dev.arenaemu.kernel.KernelEvent;
import dev.arenaemu.kernel.inject.FaultAttr;
import dev.arenaemu.kernel.inject.FaultInjection;
import dev.arenaemu.kernel.inject.InjectionSite;
import dev.arenaemu.scenarios.check.InvariantChecker;
import dev.arenaemu.scenarios.check.Violation;
import dev.arenaemu.scenarios.check.WorldState;
import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.format.Expr;
import dev.arenaemu.scenarios.format.Expect;
import dev.arenaemu.scenarios.format.Inject;
import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.format.Step;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Replays a scenario on a fresh {@link World}: for each step, apply it, snapshot the state,
 * trace what happened and which PTEs changed, compare with the expectations, and check the
 * invariants; then the final expectations, teardown and the leak check. Deterministic: the
 * trace holds no host addresses or times, so the same scenario and seed give the same trace.
 */
public final class Replayer implements ScenarioRunner {
    /** Stop comparing after this many mismatches: the rest would be consequences. */
    private static final int MAX_MISMATCHES = 20;
    /** Trace lines a run that exhausted the heap keeps: its start, not the bulk that filled the heap. */
    private static final int KEPT_TRACE = 1000;

    /** Where worlds get their machines; null = a new machine per replay. */
    private final MachinePool pool;
    private final Limits limits;
    /** Sees every step (replay --html); null: nobody. */
    private final StepObserver observer;

    /** Sees every step's effect and the state after it (the real-kernel oracle); null: nobody. */
    private final StepListener listener;

    /** What a step did and the snapshot taken after it, as a {@link StepListener} sees them. */
    public interface StepListener {
        void afterStep(Step step, Effect effect, World world, WorldState after);
    }

    /** Replays on machines of the JVM-wide {@link MachinePool}: reset machines, not new ones. */
    public Replayer() {
        this(Limits.DEFAULT);
    }

    /** Replays with the given per-scenario limits on machines of the JVM-wide {@link MachinePool}. */
    public Replayer(Limits limits) {
        this(MachinePool.shared(), limits);
    }

    private Replayer(MachinePool pool, Limits limits) {
        this(pool, limits, null, null);
    }

    private Replayer(MachinePool pool, Limits limits, StepObserver observer, StepListener listener) {
        this.pool = pool;
        this.limits = limits;
        this.observer = observer;
        this.listener = listener;
    }

    /** The same replayer, with {@code o} seeing each replay step by step (the page map's recorder). */
    public Replayer observedBy(StepObserver o) {
        return new Replayer(pool, limits, o, listener);
    }

    /** The same replayer, with {@code l} told about every step (after its result is bound; the oracle's comparison). */
    public Replayer withListener(StepListener l) {
        return new Replayer(pool, limits, observer, l);
    }

    /** Replays each scenario on a machine of its own, booted for it (the reference the pool is checked against). */
    public static Replayer withNewMachines() {
        return new Replayer(null, Limits.DEFAULT);
    }

    @Override
    public Outcome run(Scenario scenario, Era era, List<Inject> extraInject, String run) {
        long t0 = System.nanoTime();
        Run r = new Run(scenario, t0 + limits.wallClock().toNanos(), listener);
        r.trace.add("scenario " + scenario.name() + " era " + era.label + " seed " + scenario.seed() + (run.equals("replay") ? "" : " run " + run));
        if (scenario.processes().size() > limits.processes()) {
            r.error = scenario.file() + ": " + scenario.processes().size() + " initial processes, more than the process limit of "
                + limits.processes() + " (--process-limit)";
            r.kind = ReplayError.Kind.LIMIT;
        } else {
            try {
                replay(r, scenario, era, extraInject);
            } catch (OutOfMemoryError e) {
                r.heapExhausted();
            }
        }
        expectedFindings(scenario, r.violations, r.reports, r.mismatches);
        Outcome outcome;
        try {
            outcome = outcome(r, era, run, t0);
        } catch (OutOfMemoryError e) {
            // Copying a trace that filled the heap: the run is past the memory budget all the same.
            r.heapExhausted();
            outcome = outcome(r, era, run, t0);
        }
        if (observer != null) observer.end(outcome);
        return outcome;
    }

    private static Outcome outcome(Run r, Era era, String run, long t0) {
        Outcome.Status status = r.stackTrace != null ? Outcome.Status.INTERNAL
            : r.kind == ReplayError.Kind.LIMIT ? Outcome.Status.LIMIT
            : r.kind == ReplayError.Kind.BAD_INPUT ? Outcome.Status.ERROR
            : r.error != null || !r.mismatches.isEmpty() || !r.violations.isEmpty() || !r.reports.isEmpty() ? Outcome.Status.FAIL : Outcome.Status.PASS;
        return new Outcome(r.scenario.name(), r.scenario.file().toString(), era, run, status, List.copyOf(r.mismatches), List.copyOf(r.violations),
            List.copyOf(r.reports), r.error, List.copyOf(r.trace), r.done, r.hits, r.injected, System.nanoTime() - t0, List.copyOf(r.effects), r.stackTrace);
    }

    /** The replay proper, on a world of its own; what it finds goes into {@code r}. */
    private void replay(Run r, Scenario scenario, Era era, List<Inject> extraInject) {
        try (World world = new World(era, scenario.processes(), World.capabilities(scenario.capabilities()), pool, scenario.cpus())) {
            try {
                replayIn(world, r, scenario, era, extraInject);
            } catch (OutOfMemoryError e) {
                // Dropped before the world closes: closing needs memory too, and the run's trace and
                // snapshots hold most of the heap. A close that failed for want of memory could leave
                // the machine's engines (and through their hooks the whole model) unreleased.
                r.heapExhausted();
            }
        } catch (KernelBug e) {
            r.error = "model inconsistency (KernelBug): " + e.getMessage();
            r.kind = ReplayError.Kind.FAILED;
        } catch (RuntimeException | StackOverflowError e) {
            // A bug of arena-emu, not of the scenario: keep everything needed to fix it.
            r.error = "internal error at step " + r.done + ": " + e;
            r.stackTrace = stackTrace(e);
        }
    }

    /** The replay proper on {@code world}: setup, the steps, the final state, teardown and the leak check. */
    private void replayIn(World world, Run r, Scenario scenario, Era era, List<Inject> extraInject) {
        r.world = world;
        FaultInjection fi = world.kernel().faultInjection();
        long baseline = world.framesInUse();
        r.before = world.state();
        r.observer = observer;
        if (observer != null) observer.begin(scenario, era.label, r.before);
        try {
            for (Inject i : scenario.inject()) arm(fi, i, scenario.seed());
            for (Inject i : extraInject) arm(fi, i, scenario.seed());
            StepRunner runner = new StepRunner(world, scenario, limits);
            for (Step step : scenario.steps()) r.step(runner, step, limits);
            try {
                r.mismatches.addAll(Expectations.state(Integer.MAX_VALUE, "final state", scenario.finalState(), world, r.before));
            } catch (Expr.Unbound e) {
                r.mismatches.add(unevaluable(Integer.MAX_VALUE, "final state", e));
            }
        } catch (ReplayError e) {
            r.error = e.getMessage();
            r.kind = e.kind();
            r.trace.add("    stopped: " + r.error);
        }
        r.injected = fi.injected().size();
        for (var h : fi.hitCounts().entrySet()) r.hits.put(h.getKey().name().toLowerCase(Locale.ROOT), h.getValue());
        world.teardown();
        r.trace.add("[end] teardown: processes exited, arena freed");
        r.drainEvents();
        List<Violation> leak = InvariantChecker.checkTeardown(baseline, world.framesInUse(), world.framesInUseList());
        r.violations.addAll(leak);
        for (Violation x : leak) r.trace.add("    " + x.describe());
    }

    /** The exception's stack trace as Java prints it, at most 200 lines (a StackOverflowError has thousands of identical frames). */
    static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        List<String> lines = w.toString().lines().toList();
        if (lines.size() <= 200) return String.join("\n", lines);
        return String.join("\n", lines.subList(0, 200)) + "\n\t... " + (lines.size() - 200) + " more lines";
    }

    /** The state of one replay in progress: what it found so far and the last snapshot. */
    private static final class Run {
        final Scenario scenario;
        final StepListener listener;
        final ArrayList<String> trace = new ArrayList<>();
        final List<Mismatch> mismatches = new ArrayList<>();
        final List<Violation> violations = new ArrayList<>();
        final List<String> reports = new ArrayList<>();
        final Map<String, Long> hits = new TreeMap<>();
        final List<StepEffect> effects = new ArrayList<>();
        /** System.nanoTime() past which no further step starts (the wall-clock limit). */
        final long deadline;
        World world;
        WorldState before;
        StepObserver observer;
        String error;
        /** Why the replay stopped early, when {@link #error} is set by a {@link ReplayError}; null otherwise. */
        ReplayError.Kind kind;
        String stackTrace;
        int done, injected, eventsSeen;
        /** The step being applied (null before the first), for errors raised outside a step's own code. */
        Step.Common current;

        /**
         * The Java heap ran out during this run (the memory budget, see {@link Limits}): the run
         * stops with status LIMIT at the step it was in. Its world is already closed (its machine
         * discarded); what it holds here is dropped down to a short trace, so that the heap is
         * free again for the runs after it.
         */
        void heapExhausted() {
            world = null;
            before = null;
            observer = null;
            String where = current == null ? scenario.file() + ": before the first step" : current.place();
            error = where + ": Java heap exhausted (memory limit: the JVM's maximum heap of "
                + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB, -Xmx)";
            kind = ReplayError.Kind.LIMIT;
            stackTrace = null;
            if (trace.size() > KEPT_TRACE) {
                int dropped = trace.size() - KEPT_TRACE;
                trace.subList(KEPT_TRACE, trace.size()).clear();
                trace.trimToSize();
                trace.add("    ... " + dropped + " trace line(s) dropped");
            }
            trace.add("    stopped: " + error);
        }

        Run(Scenario scenario, long deadline, StepListener listener) {
            this.scenario = scenario;
            this.deadline = deadline;
            this.listener = listener;
        }

        /** Apply one step, then trace it, bind its result, check its expectations and the invariants. */
        void step(StepRunner runner, Step step, Limits limits) throws ReplayError {
            Step.Common c = step.common();
            current = c;
            if (System.nanoTime() - deadline > 0) {
                throw ReplayError.limit(c.place() + ": wall-clock limit of " + Limits.describe(limits.wallClock()) + " reached after "
                    + done + " step(s) (--time-limit)");
            }
            FaultInjection fi = world.kernel().faultInjection();
            for (Inject i : c.inject()) arm(fi, i, scenario.seed() + c.index());
            int injectedBefore = fi.injected().size();
            int traceBefore = trace.size(), mismatchesBefore = mismatches.size();
            long kfuncErrorsBefore = world.bpf().kfuncErrors();
            Effect effect = runner.apply(step);
            for (Inject i : c.inject()) fi.clear(site(i));
            done++;
            WorldState after = world.state();
            if (!effect.faultIn() && gainedUserPte(before, after)) effect = effect.withFaultIn();
            List<String> lines = effect.summary().lines().toList();
            List<String> sites = new ArrayList<>();
            for (int k = injectedBefore; k < fi.injected().size(); k++) sites.add(fi.injected().get(k).site().name().toLowerCase(Locale.ROOT));
            effects.add(new StepEffect(c.index(), lines.getFirst(), sites, reportedError(step, effect, world.bpf().kfuncErrors() > kfuncErrorsBefore)));
            // A step on a CPU other than the boot CPU says so (kernel work of other steps runs on CPU 0).
            trace.add(String.format("[%s] %s%s", c.index() < 0 ? "setup" : Integer.toString(c.index()), c.cpu() == 0 ? "" : "cpu" + c.cpu() + ": ", lines.getFirst()));
            for (String more : lines.subList(1, lines.size())) trace.add("    " + more);
            for (int k = injectedBefore; k < fi.injected().size(); k++) {
                FaultInjection.Injected inj = fi.injected().get(k);
                trace.add("    injected failure: " + inj.site().name().toLowerCase(Locale.ROOT) + " hit #" + inj.hit());
            }
            for (String p : StateDiff.lines(before, after)) trace.add("    " + p);
            drainEvents();
            if (c.bind().isPresent()) {
                long v = effect.ret().orElse(0);
                world.bind(c.bind().get(), v);
                trace.add("    " + c.bind().get() + " = 0x" + Long.toHexString(v));
            }
            if (listener != null) listener.afterStep(step, effect, world, after);
            if (step instanceof Step.Checkpoint) trace.addAll(checkpointDump(after));
            // The top-level "arena" is the scenario's premise: it has no "expect" of its own, and its failure is a mismatch.
            if (c.index() < 0 && step instanceof Step.CreateArena && effect.ret().isPresent() && effect.ret().getAsLong() != 0) {
                mismatches.add(new Mismatch(c.index(), c.place(), "arena setup", "0 (the top-level \"arena\" is created)",
                    Expectations.ret(effect.ret()), null));
            }
            if (mismatches.size() < MAX_MISMATCHES) {
                // Steps whose CPL3 accesses may take a signal (run_program: libbpf's copy of __arena globals).
                boolean userAccess = step instanceof Step.Read || step instanceof Step.Write || step instanceof Step.Copy
                    || step instanceof Step.RunCode || step instanceof Step.RunProgram;
                try {
                    mismatches.addAll(Expectations.check(c.index(), c.place(), c.expect(), effect, world, after, userAccess));
                } catch (Expr.Unbound e) {
                    mismatches.add(unevaluable(c.index(), c.place(), e));
                }
            }
            List<Violation> v = InvariantChecker.check(after, c.index());
            violations.addAll(v);
            for (Violation x : v) trace.add("    " + x.describe());
            if (observer != null) {
                observer.step(c, List.copyOf(trace.subList(traceBefore, trace.size())), after,
                    List.copyOf(mismatches.subList(mismatchesBefore, mismatches.size())), v);
            }
            before = after;
        }

        /** Kernel reports (KernelEvent) since the last call: into the trace and the report list. */
        void drainEvents() {
            List<KernelEvent> events = world.kernel().events();
            for (; eventsSeen < events.size(); eventsSeen++) {
                trace.add("    kernel: " + events.get(eventsSeen));
                reports.add(events.get(eventsSeen).toString());
            }
        }
    }

    /** Whether the step told its caller that something failed, as the kernel would (see {@link StepEffect}). */
    private static boolean reportedError(Step step, Effect effect, boolean kfuncFailedInProgram) {
        if (effect.signal().isPresent() || kfuncFailedInProgram) return true;
        if (effect.ret().isEmpty()) return false;
        long ret = effect.ret().getAsLong();
        boolean nullPage = step instanceof Step.KfuncCall k && k.kfunc() == Step.Kfunc.ALLOC_PAGES && ret == 0;
        return nullPage || StepEffect.isErrno(ret);
    }

    /**
     * An expectation naming a symbol that has no value in this run (e.g. "base" after the arena's
     * creation failed — which a sweep provokes on purpose): a mismatch, not a crash.
     */
    private static Mismatch unevaluable(int step, String place, Expr.Unbound e) {
        return new Mismatch(step, place, "expectation", "an expression that can be evaluated", e.getMessage(), null);
    }

    /**
     * A scenario that reproduces a kernel bug declares the invariants it breaks and the reports
     * it provokes: those are expected (and must happen), so they move out of the failure lists.
     */
    private static void expectedFindings(Scenario scenario, List<Violation> violations, List<String> reports,
                                         List<Mismatch> mismatches) {
        for (String inv : scenario.expectViolations()) {
            boolean seen = violations.removeIf(v -> v.invariant().label.equals(inv));
            if (!seen) mismatches.add(new Mismatch(Integer.MAX_VALUE, "expect_violations", "invariant " + inv,
                "broken (the kernel bug this scenario reproduces)", "held after every step", null));
        }
        for (String kind : scenario.expectKernelReports()) {
            boolean seen = reports.removeIf(r -> reportKind(r).equals(kind));
            if (!seen) mismatches.add(new Mismatch(Integer.MAX_VALUE, "expect_kernel_reports", "kernel report " + kind,
                "reported", "not reported", null));
        }
    }

    /** "DanglingVma[...]" -> "dangling_vma". */
    static String reportKind(String report) {
        int bracket = report.indexOf('[');
        String name = bracket < 0 ? report : report.substring(0, bracket);
        return name.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    /** Installs one injection: fail_nth, or a seeded fault_attr (the step index perturbs step-local seeds). */
    private static void arm(FaultInjection fi, Inject i, long seed) throws ReplayError {
        InjectionSite site = site(i);
        if (i.nthMode()) {
            fi.failNth(site, i.nth());
        } else {
            FaultAttr attr = FaultAttr.probability(i.probability(), i.seed() != 0 ? i.seed() : seed)
                .withTimes(i.times() == 0 ? -1 : i.times()).withInterval(i.interval());
            fi.configure(site, attr);
        }
    }

    static InjectionSite site(Inject i) throws ReplayError {
        try {
            return InjectionSite.valueOf(i.site().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            List<String> known = new ArrayList<>();
            for (InjectionSite s : InjectionSite.values()) known.add(s.name().toLowerCase(Locale.ROOT));
            throw new ReplayError(i.where() + ": unknown fault-injection site \"" + i.site() + "\" (known: " + String.join(", ", known) + ")");
        }
    }

    private static boolean gainedUserPte(WorldState before, WorldState after) {
        for (WorldState.SpaceState a : after.spaces()) {
            WorldState.SpaceState b = before.spaces().stream().filter(x -> x.process().equals(a.process())).findFirst().orElse(null);
            for (Long va : a.ptes().keySet()) if (b == null || !b.ptes().containsKey(va)) return true;
        }
        return false;
    }

    private static List<String> checkpointDump(WorldState s) {
        List<String> out = new ArrayList<>();
        // With one arena the dump reads as it always did; with several, each arena's lines carry its name.
        boolean several = s.arenas().size() > 1;
        for (WorldState.ArenaState a : s.arenas()) {
            String name = several ? " " + a.name() : "";
            out.add(String.format("    arena%s user [0x%x, 0x%x) kern_vm_start 0x%x, %d kernel PTE(s), free runs %s, vma_list %d",
                name, a.userVmStart(), a.userVmEnd(), a.kernVmStart(), a.kernelPtes().size(),
                a.freeRuns().stream().map(r -> "[" + r.start() + "+" + r.length() + "]").toList(), a.vmaList().size()));
            a.kernelPtes().forEach((k, v) -> out.add(String.format("      kernel%s 0x%x %s", several ? "[" + a.name() + "]" : "", k, StateDiff.pte(v))));
        }
        for (WorldState.SpaceState sp : s.spaces()) {
            out.add("    " + sp.process() + ": " + sp.arenaVmas().size() + " arena VMA(s), " + sp.ptes().size() + " PTE(s)");
            sp.ptes().forEach((k, v) -> out.add(String.format("      %s 0x%x %s", sp.process(), k, StateDiff.pte(v))));
        }
        return out;
    }
}
