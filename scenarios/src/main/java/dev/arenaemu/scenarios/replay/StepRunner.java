package dev.arenaemu.scenarios.replay;

import dev.arenaemu.emulator.cpu.Cpu;
import dev.arenaemu.kernel.CreateResult;
import dev.arenaemu.kernel.arena.Arena;
import dev.arenaemu.kernel.arena.ArenaAttr;
import dev.arenaemu.kernel.arena.ArenaKfuncs;
import dev.arenaemu.kernel.bpf.BpfMap;
import dev.arenaemu.scenarios.format.Arg;
import dev.arenaemu.scenarios.format.Expr;
import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.format.Step;

import java.util.Map;

/**
 * Step.apply: carries out one step on the {@link World} and says what happened. One case per
 * step kind (an exhaustive switch over the sealed {@link Step}); model calls go through the
 * kernel model's arena and the user model's processes, as the corresponding syscall or kfunc
 * would.
 */
final class StepRunner {
    private final World world;
    private final Scenario scenario;

    private final Programs programs;
    private final Limits limits;

    StepRunner(World world, Scenario scenario) {
        this(world, scenario, Limits.DEFAULT);
    }

    StepRunner(World world, Scenario scenario, Limits limits) {
        this.world = world;
        this.scenario = scenario;
        this.limits = limits;
        this.programs = new Programs(world, scenario.programs());
    }

    Effect apply(Step step) throws ReplayError {
        Effect e = dispatch(step);
        long focus = switch (step) {
            case Step.Read s -> eval(s.addr());
            case Step.Write s -> eval(s.addr());
            case Step.Copy s -> eval(s.dst());
            case Step.KfuncCall s -> e.ret().isPresent() && e.ret().getAsLong() > 0 ? e.ret().getAsLong() : eval(s.addr());
            case Step.Mmap s -> e.ret().isPresent() && e.ret().getAsLong() > 0 ? e.ret().getAsLong() : -1;
            default -> -1;
        };
        return focus == -1 ? e : e.focusedOn(focus);
    }

    private Effect dispatch(Step step) throws ReplayError {
        String place = step.common().place();
        world.bpf().runtime().onCpu(step.common().cpu());   // the kernel work of this step runs there
        try {
            return switch (step) {
                case Step.CreateArena s -> createArena(s);
                case Step.KfuncCall s -> named(s.arena(), kfunc(s, place));
                case Step.Mmap s -> named(s.arena(), world.processes().mmap(s.process(), eval(s.addr()), eval(s.length()), s.prot(), s.flags(),
                    s.anonymous() ? null : world.requireArenaMap(s.arena(), place), eval(s.offset())));
                case Step.Munmap s -> world.processes().munmap(s.process(), eval(s.addr()), eval(s.length()));
                case Step.Mprotect s -> world.processes().mprotect(s.process(), eval(s.addr()), eval(s.length()), s.prot());
                case Step.Mremap s -> world.processes().mremap(s.process(), eval(s.addr()), eval(s.oldSize()), eval(s.newSize()), s.flags(),
                    s.newAddr().isPresent() ? eval(s.newAddr().get()) : 0);
                case Step.Fork s -> {
                    if (world.processes().alive() >= limits.processes()) {
                        throw ReplayError.limit(place + ": fork would make " + (world.processes().alive() + 1) + " live processes, more than the process limit of "
                            + limits.processes() + " (--process-limit)");
                    }
                    yield world.processes().fork(s.process(), s.child());
                }
                case Step.Exit s -> world.processes().exit(s.process());
                case Step.Read s -> world.processes().read(s.process(), eval(s.addr()), s.size());
                case Step.Write s -> world.processes().write(s.process(), eval(s.addr()), s.size(), eval(s.value()));
                case Step.Copy s -> world.processes().copy(s.process(), eval(s.src()), eval(s.dst()), eval(s.length()));
                case Step.RunCode s -> world.processes().runCode(s.process(), java.util.HexFormat.of().parseHex(s.hex()), evalRegs(s.regs()), budget());
                case Step.RunProgram s -> programs.run(s.program(), s.args().stream().mapToLong(this::eval).toArray(), budget(), place);
                case Step.MapOperation s -> named(s.arena(), mapOp(s, place));
                case Step.RunWork s -> {
                    int ran = world.kernel().runPendingWork();
                    yield Effect.returned("workqueue ran " + ran + " item(s)", ran);
                }
                case Step.FlushTlb s -> flush(s);
                case Step.Checkpoint s -> Effect.done("checkpoint " + s.label());
            };
        } catch (Expr.Unbound e) {
            throw new ReplayError(place + ": " + e.getMessage());
        } catch (ReplayError e) {
            throw e.getMessage().startsWith(place) ? e : new ReplayError(place + ": " + e.getMessage(), e.kind());
        }
    }

    private long budget() {
        return scenario.maxInstructions();
    }

    private long eval(Arg a) {
        return a.eval(world);
    }

    private Map<String, Long> evalRegs(Map<String, Arg> regs) {
        Map<String, Long> out = new java.util.LinkedHashMap<>();
        for (var e : regs.entrySet()) out.put(e.getKey(), eval(e.getValue()));
        return out;
    }

    private Effect createArena(Step.CreateArena s) {
        var spec = s.spec();
        ArenaAttr attr = new ArenaAttr((int) spec.keySize(), (int) spec.valueSize(), spec.maxEntries(), (int) spec.flags(), eval(spec.mapExtra()));
        String what = String.format("create_arena max_entries=%d flags=0x%x map_extra=0x%x", spec.maxEntries(), spec.flags(), attr.mapExtra());
        return switch (world.createArena(spec.name(), attr)) {
            case CreateResult.Created<BpfMap> c -> Effect.returned(what + " -> 0 (kern_vm_start 0x"
                + Long.toHexString(((BpfMap.ArenaMap) c.object()).arena().kernVmStart()) + ")", 0);
            case CreateResult.Failed<BpfMap> f -> Effect.returned(what + " -> -" + f.errno().name(), f.errno().neg());
        };
    }

    /** A step's trace line names the arena it acted on when the step named one (unnamed: the scenario's arena, as always). */
    private static Effect named(java.util.Optional<String> arena, Effect e) {
        return arena.isEmpty() ? e : e.withSummary(e.summary() + " on arena " + arena.get());
    }

    private Effect kfunc(Step.KfuncCall s, String place) throws ReplayError {
        if (s.arrayMap()) return kfuncOnArray(s, place);
        Arena arena = world.requireArenaMap(s.arena(), place).arena();
        long addr = eval(s.addr());
        int cnt = (int) eval(s.pageCount());
        boolean deferred = !s.sleepable() && s.kfunc() != Step.Kfunc.RESERVE_PAGES;
        if (deferred && !world.kernel().era().hasNonSleepableKfuncs()) {
            throw new ReplayError(place + ": \"sleepable\": false needs the non-sleepable arena kfuncs of v7.0 and later; in " + world.era()
                + " they are KF_SLEEPABLE and a non-sleepable program cannot call them");
        }
        if (s.kfunc() == Step.Kfunc.RESERVE_PAGES && !world.kernel().era().hasReservePages()) {
            throw new ReplayError(place + ": bpf_arena_reserve_pages does not exist in " + world.era()
                + " (added in v6.17); a program calling it fails to load there");
        }
        String suffix = deferred ? "_non_sleepable" : "";
        return switch (s.kfunc()) {
            case ALLOC_PAGES -> {
                int node = (int) eval(s.nodeId());
                long flags = eval(s.flags());
                long r = deferred ? arena.allocPagesNonSleepable(addr, cnt, node, flags) : arena.allocPages(addr, cnt, node, flags);
                yield Effect.returned(String.format("bpf_arena_alloc_pages%s(0x%x, %d, %d, 0x%x) -> 0x%x", suffix, addr, Integer.toUnsignedLong(cnt), node, flags, r), r);
            }
            case FREE_PAGES -> {
                if (deferred) arena.freePagesNonSleepable(addr, cnt);
                else arena.freePages(addr, cnt);
                yield Effect.done(String.format("bpf_arena_free_pages%s(0x%x, %d)", suffix, addr, Integer.toUnsignedLong(cnt)));
            }
            case RESERVE_PAGES -> {
                int r = arena.reservePages(addr, cnt);
                yield Effect.returned(String.format("bpf_arena_reserve_pages(0x%x, %d) -> %d", addr, Integer.toUnsignedLong(cnt), r), r);
            }
        };
    }

    /**
     * A kfunc given a map that is not an arena: a one-element BPF_MAP_TYPE_ARRAY made with
     * BPF_MAP_CREATE for the call and closed after it. bpf_arena_alloc_pages and
     * bpf_arena_free_pages check {@code map->map_type} and return NULL / nothing,
     * bpf_arena_reserve_pages -EINVAL ({@link ArenaKfuncs}).
     */
    private Effect kfuncOnArray(Step.KfuncCall s, String place) throws ReplayError {
        long addr = eval(s.addr());
        int cnt = (int) eval(s.pageCount());
        boolean deferred = !s.sleepable() && s.kfunc() != Step.Kfunc.RESERVE_PAGES;
        if (deferred && !world.kernel().era().hasNonSleepableKfuncs()) {
            throw new ReplayError(place + ": \"sleepable\": false needs the non-sleepable arena kfuncs of v7.0 and later");
        }
        BpfMap.ArrayMap map = switch (world.bpf().mapCreateArray("array", 8, 0, new byte[8])) {
            case CreateResult.Created<BpfMap> c -> (BpfMap.ArrayMap) c.object();
            case CreateResult.Failed<BpfMap> f -> throw new ReplayError(place + ": BPF_MAP_CREATE of the array map failed: " + f.errno().name(), false);
        };
        String suffix = deferred ? "_non_sleepable" : "";
        try {
            return switch (s.kfunc()) {
                case ALLOC_PAGES -> {
                    int node = (int) eval(s.nodeId());
                    long flags = eval(s.flags());
                    long r = deferred ? ArenaKfuncs.bpfArenaAllocPagesNonSleepable(map, addr, cnt, node, flags)
                        : ArenaKfuncs.bpfArenaAllocPages(map, addr, cnt, node, flags);
                    yield Effect.returned(String.format("bpf_arena_alloc_pages%s(array map, 0x%x, %d, %d, 0x%x) -> 0x%x", suffix, addr,
                        Integer.toUnsignedLong(cnt), node, flags, r), r);
                }
                case FREE_PAGES -> {
                    if (deferred) ArenaKfuncs.bpfArenaFreePagesNonSleepable(map, addr, cnt);
                    else ArenaKfuncs.bpfArenaFreePages(map, addr, cnt);
                    yield Effect.done(String.format("bpf_arena_free_pages%s(array map, 0x%x, %d)", suffix, addr, Integer.toUnsignedLong(cnt)));
                }
                case RESERVE_PAGES -> {
                    int r = ArenaKfuncs.bpfArenaReservePages(map, addr, cnt);
                    yield Effect.returned(String.format("bpf_arena_reserve_pages(array map, 0x%x, %d) -> %d", addr, Integer.toUnsignedLong(cnt), r), r);
                }
            };
        } finally {
            world.bpf().mapRelease(map);
        }
    }

    private Effect mapOp(Step.MapOperation s, String place) throws ReplayError {
        Arena arena = world.requireArenaMap(s.arena(), place).arena();
        long r = switch (s.operation()) {
            case LOOKUP -> arena.lookupElem();
            case UPDATE -> arena.updateElem();
            case DELETE -> arena.deleteElem();
            case GET_NEXT_KEY -> arena.getNextKey();
            case PUSH -> arena.pushElem();
            case POP -> arena.popElem();
            case PEEK -> arena.peekElem();
            case FREEZE -> arena.freeze();
            case DIRECT_VALUE_ADDR -> arena.mapDirectValueAddr((int) eval(s.offset()));
        };
        return Effect.returned("map " + s.operation().label + (s.operation() == Step.MapOp.DIRECT_VALUE_ADDR ? "(" + s.offset() + ")" : "")
            + " -> " + Expectations.ret(java.util.OptionalLong.of(r)), r);
    }

    private Effect flush(Step.FlushTlb s) throws ReplayError {
        if (s.process().isPresent()) return world.processes().flushTlb(s.process().get());
        if (s.cpu().isPresent()) {
            world.machine().cpu(s.cpu().getAsInt()).flushTlbAll();
            return Effect.done("flush_tlb CPU " + s.cpu().getAsInt());
        }
        for (Cpu cpu : world.machine().cpus()) cpu.flushTlbAll();
        return Effect.done("flush_tlb all CPUs");
    }
}
