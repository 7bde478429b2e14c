package dev.arenaemu.kernel.bpf;

import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.emulator.cpu.RunResult;
import dev.arenaemu.emulator.x86.X86Reg;
import dev.arenaemu.kernel.Capability;
import dev.arenaemu.kernel.CreateResult;
import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.Kernel;
import dev.arenaemu.kernel.arena.Arena;
import dev.arenaemu.kernel.arena.ArenaAttr;
import dev.arenaemu.kernel.arena.ArenaKfuncs;
import dev.arenaemu.kernel.bpf.isa.Bpf;
import dev.arenaemu.kernel.bpf.interp.ArenaMemory;
import dev.arenaemu.kernel.bpf.interp.BpfInterpreter;
import dev.arenaemu.kernel.bpf.interp.InterpreterException;
import dev.arenaemu.kernel.bpf.interp.KernelMemory;
import dev.arenaemu.kernel.bpf.isa.BpfHelper;
import dev.arenaemu.kernel.bpf.isa.BpfProgram;
import dev.arenaemu.kernel.bpf.isa.Kfunc;
import dev.arenaemu.kernel.bpf.jit.ArenaViolationReport;
import dev.arenaemu.kernel.bpf.jit.CallResult;
import dev.arenaemu.kernel.bpf.jit.CallTarget;
import dev.arenaemu.kernel.bpf.jit.JitOptions;
import dev.arenaemu.kernel.bpf.jit.JitProfile;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.bpf.jit.JitRuntime;
import dev.arenaemu.kernel.bpf.jit.LoadedProgram;
import dev.arenaemu.kernel.bpf.verifier.MapDescriptor;
import dev.arenaemu.kernel.bpf.verifier.VerifiedProgram;
import dev.arenaemu.kernel.bpf.verifier.IterTarget;
import dev.arenaemu.kernel.bpf.verifier.Verifier;
import dev.arenaemu.kernel.bpf.verifier.VerifierConfig;
import dev.arenaemu.kernel.bpf.verifier.VerifierException;
import dev.arenaemu.kernel.mm.Frames;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bpf(2) system call of one kernel (kernel/bpf/syscall.c): BPF_MAP_CREATE for arenas and the
 * internal array maps of global data, BPF_MAP_LOOKUP_ELEM / UPDATE_ELEM on arrays, BPF_PROG_LOAD
 * (verifier with the kernel's era and capabilities → x86-64 JIT with the bound arena's
 * kern_vm_start / user_vm_start → a {@link BpfProg} holding references on its maps) and
 * BPF_PROG_TEST_RUN on the kernel CPU. It also is what JIT'd calls reach: kfuncs go to
 * {@link ArenaKfuncs} with the map object the program passed. One instance per {@link Kernel}, made
 * by whoever owns the kernel (user-model's {@code ArenaEmu}, or a test that boots a bare kernel):
 * it owns the machine's BPF module area and the kernel CPUs' fault handler, so the constructor
 * refuses a second one ({@link Kernel#claimBpfSyscall()}).
 *
 * <p>Map objects (struct bpf_map) and array values live in the JIT runtime's kernel data area,
 * so the addresses the verifier bakes into {@code ld_imm64} are real kernel memory.
 */
public final class BpfSyscall {
    /** sizeof(struct bpf_map) is a few hundred bytes; only the address matters here. */
    private static final int MAP_OBJECT_SIZE = 256;

    private final Kernel kernel;
    private final JitRuntime runtime;
    private final Map<Long, BpfMap> maps = new LinkedHashMap<>();
    private final List<BpfProg> progs = new ArrayList<>();
    private BpfProg running;
    private long kfuncErrors;

    /**
     * The bpf syscall of {@code kernel}: maps the JIT module area and installs the kernel fault
     * dispatch (exception table, E5 arena fault recovery) on every kernel CPU. Throws
     * IllegalStateException when {@code kernel} already has one: a second would map its JIT
     * images over the first one's.
     */
    @SuppressWarnings("this-escape")   // the runtime and the fault dispatch call back into this object only once programs run
    public BpfSyscall(Kernel kernel) {
        kernel.claimBpfSyscall();
        this.kernel = kernel;
        this.runtime = new JitRuntime(kernel.machine(), this::call);
        KernelFaultDispatch dispatch = new KernelFaultDispatch(runtime, () -> running);
        for (var cpu : kernel.machine().kernelCpus()) cpu.setFaultHandler(dispatch);
    }

    public Kernel kernel() { return kernel; }
    public JitRuntime runtime() { return runtime; }

    /** The maps that are still alive. */
    public List<BpfMap> maps() {
        maps.values().removeIf(BpfMap::isFreed);   // a mapping's last close may have freed one
        return List.copyOf(maps.values());
    }

    /** Programs loaded and not yet released. */
    public List<BpfProg> progs() { return List.copyOf(progs); }

    // ---- BPF_MAP_CREATE ------------------------------------------------------------------------

    /** BPF_MAP_CREATE of a BPF_MAP_TYPE_ARENA ({@link Arena#create}); the caller holds the one reference. */
    public CreateResult<BpfMap> mapCreateArena(String name, ArenaAttr attr) {
        return switch (Arena.create(kernel, attr)) {
            case CreateResult.Failed<Arena> f -> new CreateResult.Failed<>(f.errno());
            case CreateResult.Created<Arena> c -> {
                BpfMap map = new BpfMap.ArenaMap(name, newMapObject(), c.object());
                maps.put(map.objectAddress(), map);
                yield new CreateResult.Created<>(map);
            }
        };
    }

    /**
     * BPF_MAP_CREATE of a one-entry BPF_MAP_TYPE_ARRAY (libbpf's internal map of .bss/.data/.rodata)
     * with its value initialised to {@code initialValue} (zero-padded to {@code valueSize}).
     */
    public CreateResult<BpfMap> mapCreateArray(String name, long valueSize, long mapFlags, byte[] initialValue) {
        return mapCreateArray(name, valueSize, mapFlags, initialValue, MapDescriptor.NO_SPIN_LOCK);
    }

    /**
     * The same with the value's BTF describing a struct bpf_spin_lock at {@code spinLockOff}
     * (map_check_btf → btf_parse_fields): a map with such a field cannot be BPF_F_RDONLY_PROG
     * (-EACCES); the lock word starts unlocked.
     */
    public CreateResult<BpfMap> mapCreateArray(String name, long valueSize, long mapFlags, byte[] initialValue, long spinLockOff) {
        if (!kernel.capable(Capability.CAP_BPF) && !kernel.capable(Capability.CAP_SYS_ADMIN)) return new CreateResult.Failed<>(Errno.EPERM);
        if (valueSize <= 0 || valueSize > (1 << 20) || initialValue.length > valueSize) return new CreateResult.Failed<>(Errno.EINVAL);
        if (spinLockOff != MapDescriptor.NO_SPIN_LOCK && (spinLockOff < 0 || spinLockOff + SPIN_LOCK_SIZE > valueSize)) {
            return new CreateResult.Failed<>(Errno.EINVAL);
        }
        if (spinLockOff != MapDescriptor.NO_SPIN_LOCK && (mapFlags & RDONLY_PROG) != 0) return new CreateResult.Failed<>(Errno.EACCES);
        byte[] image = Arrays.copyOf(initialValue, (int) valueSize);
        if (spinLockOff != MapDescriptor.NO_SPIN_LOCK) Arrays.fill(image, (int) spinLockOff, (int) spinLockOff + SPIN_LOCK_SIZE, (byte) 0);
        long value = runtime.kernelData(image);
        BpfMap map = new BpfMap.ArrayMap(name, newMapObject(), valueSize, value, mapFlags, spinLockOff);
        maps.put(map.objectAddress(), map);
        return new CreateResult.Created<>(map);
    }

    private static final int SPIN_LOCK_SIZE = 4;          // struct bpf_spin_lock { __u32 val; }
    private static final long RDONLY_PROG = 1L << 8;        // BPF_F_RDONLY_PROG

    private long newMapObject() {
        return runtime.kernelData(new byte[MAP_OBJECT_SIZE]);
    }

    /** The live map whose struct bpf_map is at {@code address}, or null. */
    public BpfMap mapAt(long address) {
        BpfMap map = maps.get(address);
        return map == null || map.isFreed() ? null : map;
    }

    /** BPF_MAP_LOOKUP_ELEM of key 0 of an array: a copy of the value. */
    public byte[] mapLookupElem(BpfMap.ArrayMap map) {
        requireLive(map);
        byte[] value = runtime.readKernel(map.valueAddress(), (int) map.valueSize());
        // bpf_map_copy_value → check_and_init_map_value: the copy shows the lock word as 0
        if (map.spinLockOff() != MapDescriptor.NO_SPIN_LOCK) {
            Arrays.fill(value, (int) map.spinLockOff(), (int) map.spinLockOff() + SPIN_LOCK_SIZE, (byte) 0);
        }
        return value;
    }

    /** BPF_MAP_UPDATE_ELEM of key 0 of an array: 0, or -EINVAL for a value of the wrong size. */
    public int mapUpdateElem(BpfMap.ArrayMap map, byte[] value) {
        requireLive(map);
        if (value.length != map.valueSize()) return Errno.EINVAL.neg();
        if (map.spinLockOff() == MapDescriptor.NO_SPIN_LOCK) {
            runtime.cpu().write(map.valueAddress(), value);
            return 0;
        }
        // copy_map_value: everything but the struct bpf_spin_lock
        int lock = (int) map.spinLockOff(), after = lock + SPIN_LOCK_SIZE;
        if (lock > 0) runtime.cpu().write(map.valueAddress(), Arrays.copyOfRange(value, 0, lock));
        if (after < value.length) runtime.cpu().write(map.valueAddress() + after, Arrays.copyOfRange(value, after, value.length));
        return 0;
    }

    /** close() of the map fd: drops the creator's reference (the map lives on in loaded programs). */
    public void mapRelease(BpfMap map) {
        requireLive(map);
        map.put();
    }

    private static void requireLive(BpfMap map) {
        if (map.isFreed()) throw new IllegalStateException(map + " was freed");
    }

    // ---- BPF_PROG_LOAD -------------------------------------------------------------------------

    /**
     * BPF_PROG_LOAD: {@code program}'s map relocations name entries of {@code maps} (what the
     * loader resolved to fds). bpf_check with this kernel's era and capabilities, then the JIT
     * with the bound arena's bases; the program takes a reference on every map it uses.
     */
    public ProgLoadResult progLoad(BpfProgram program, Map<String, BpfMap> maps, ProgLoadAttr attr) {
        Map<String, MapDescriptor> descriptors = new LinkedHashMap<>();
        maps.forEach((name, map) -> {
            requireLive(map);
            if (mapAt(map.objectAddress()) != map) throw new IllegalArgumentException(map + " belongs to another kernel");
            descriptors.put(name, map.descriptor());
        });
        VerifiedProgram verified;
        try {
            verified = Verifier.verify(program, descriptors, verifierConfig(attr));
        } catch (VerifierException e) {
            return new ProgLoadResult.Rejected(e.errno(), e.kernelMessage(), e.insnIndex());
        }
        List<BpfMap> used = new ArrayList<>();
        for (MapDescriptor d : verified.usedMaps()) {
            BpfMap map = mapAt(d.objectAddress());
            if (map != null && !used.contains(map)) used.add(map);
        }
        BpfMap.ArenaMap arena = verified.arena().map(d -> (BpfMap.ArenaMap) mapAt(d.objectAddress())).orElse(null);
        JitOptions options = jitOptions(verified, arena == null ? 0 : arena.arena().kernVmStart(),
            arena == null ? 0 : arena.arena().userVmStart(), kernel.era(), JitProfile.EMULATED_CPU);
        // bpf_prog_select_runtime: the JIT when requested, else the interpreter (arena programs
        // never get here without the JIT: the verifier refused them)
        LoadedProgram jited = attr.jitRequested() ? runtime.load(program.name(), verified.program().insns(), options) : null;
        used.forEach(BpfMap::get);
        BpfProg prog = new BpfProg(program.name(), program.section(), Verifier.isSleepable(program.section()), verified, jited, used, arena);
        progs.add(prog);
        return new ProgLoadResult.Loaded(prog);
    }

    /**
     * What bpf_int_jit_compile gets for a verified program: the arena bases, each function's own
     * stack depth, the era's encodings and {@code profile} (programs run here use
     * {@link JitProfile#EMULATED_CPU}, the features of the emulated CPU).
     */
    public static JitOptions jitOptions(VerifiedProgram verified, long kernVmStart, long userVmStart, KernelEra era, JitProfile profile) {
        return new JitOptions(kernVmStart, userVmStart, 0, era.reportsArenaFaults())
            .withEra(era).withProfile(profile).verified(verified.stackDepths());
    }

    /** The verifier's environment: the kernel's era and capabilities, the x86-64 JIT. */
    public VerifierConfig verifierConfig(ProgLoadAttr attr) {
        boolean admin = kernel.capable(Capability.CAP_SYS_ADMIN);
        return new VerifierConfig(kernel.era(), admin || kernel.capable(Capability.CAP_BPF), admin || kernel.capable(Capability.CAP_PERFMON),
            attr.jitRequested(), true);
    }

    /** close() of the program fd: the image goes, the map references are dropped (catalogue 68). */
    public void progRelease(BpfProg prog) {
        if (prog.isReleased()) throw new IllegalStateException(prog + " already released");
        prog.markReleased();
        progs.remove(prog);
        prog.jited().ifPresent(runtime::unload);
        prog.usedMaps().forEach(BpfMap::put);
    }

    // ---- BPF_PROG_TEST_RUN ---------------------------------------------------------------------

    /** BPF_PROG_TEST_RUN with the default budget; R1..R5 = {@code args} (ctx_in is not modelled). */
    public TestRunResult progTestRun(BpfProg prog, long... args) {
        return progTestRun(prog, Budget.DEFAULT, args);
    }

    public TestRunResult progTestRun(BpfProg prog, Budget budget, long... args) {
        if (prog.isReleased()) throw new IllegalStateException(prog + " was released");
        if (IterTarget.isIterSection(prog.section())) return new TestRunResult.Refused(Errno.ENOTSUPP, List.of());
        if (prog.jited().isEmpty()) return interpret(prog, budget, args);
        int before = prog.stderr().size();
        JitRuntime.Outcome outcome;
        running = prog;
        try {
            outcome = runtime.run(prog.jited().get(), budget, args);
        } finally {
            running = null;
        }
        List<String> all = prog.stderr();
        List<String> stderr = all.subList(before, all.size());
        return switch (outcome) {
            case JitRuntime.Outcome.Returned r -> new TestRunResult.Returned(r.r0(), stderr);
            case JitRuntime.Outcome.Failed f -> switch (f.result()) {
                case RunResult.Delivered d -> new TestRunResult.Oops(d.fault().address(), d.fault().rip(), d.fault().write(),
                    where(d.fault().rip()), stderr);
                default -> new TestRunResult.Stopped(stopReason(f.result()), stderr);
            };
        };
    }

    /** ___bpf_prog_run: the reference interpreter over the verified instructions, kernel memory through the kernel CPU. */
    private TestRunResult interpret(BpfProg prog, Budget budget, long... args) {
        int depth = prog.verified().stackDepths().stream().mapToInt(Integer::intValue).max().orElse(0);
        BpfInterpreter interpreter = new BpfInterpreter(prog.verified().program().insns(), new JitOptions(0, 0, Math.min(depth, Bpf.MAX_BPF_STACK)),
            NO_ARENA, kernelMemory, this::call, runtime.framePointer());
        running = prog;
        try {
            return new TestRunResult.Returned(interpreter.run(budget.instructions(), args).r0(), List.of());
        } catch (InterpreterException e) {
            return new TestRunResult.Stopped(e.getMessage(), List.of());
        } finally {
            running = null;
        }
    }

    /** Programs without an arena never make PROBE_MEM32 accesses. */
    private static final ArenaMemory NO_ARENA = new ArenaMemory() {
        @Override public boolean present(long kernelAddress) { return false; }
        @Override public long load(long kernelAddress, int size) { throw new InterpreterException("no arena"); }
        @Override public void store(long kernelAddress, int size, long value) { throw new InterpreterException("no arena"); }
    };

    /** Map values and other kernel data, read and written through the kernel CPU. */
    private final KernelMemory kernelMemory = new KernelMemory() {
        @Override
        public long load(long address, int size) {
            try {
                byte[] b = runtime.readKernel(address, size);
                long v = 0;
                for (int i = size - 1; i >= 0; i--) v = v << 8 | (b[i] & 0xFF);
                return v;
            } catch (RuntimeException e) {
                throw new InterpreterException(String.format("kernel load of %d bytes at 0x%x: %s", size, address, e.getMessage()));
            }
        }

        @Override
        public void store(long address, int size, long value) {
            byte[] b = new byte[size];
            for (int i = 0; i < size; i++) b[i] = (byte) (value >>> (8 * i));
            try {
                runtime.cpu().write(address, b);
            } catch (RuntimeException e) {
                throw new InterpreterException(String.format("kernel store of %d bytes at 0x%x: %s", size, address, e.getMessage()));
            }
        }
    };

    /**
     * Runs kernel (non-JIT) code at {@code entry} on the kernel CPU as if {@code caller} had called
     * it: what a kfunc taking {@code __arena} arguments does
     * (docs/semantics.md#kernel-side-access). Its faults have no exception-table entry, so inside
     * the caller's arena they take the E5 scratch-page recovery and anywhere else (or before E5)
     * they oops. SysV arguments, {@code ret} to the kernel's return stub; R0 is rax.
     */
    public TestRunResult callKernelFunction(BpfProg caller, long entry, Budget budget, long... args) {
        if (args.length > 6) throw new IllegalArgumentException("at most 6 arguments");
        var cpu = runtime.cpu();
        X86Reg[] argRegs = {X86Reg.RDI, X86Reg.RSI, X86Reg.RDX, X86Reg.RCX, X86Reg.R8, X86Reg.R9};
        for (int i = 0; i < args.length; i++) cpu.reg(argRegs[i], args[i]);
        long ret = kernel.machine().stubs().kernelReturn().address();
        long rsp = runtime.framePointer() - 1024;
        cpu.write(rsp, java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(ret).array());
        cpu.reg(X86Reg.RSP, rsp);
        int before = caller.stderr().size();
        RunResult r;
        running = caller;
        try {
            r = cpu.run(entry, ret, budget);
        } finally {
            running = null;
        }
        List<String> all = caller.stderr();
        List<String> stderr = all.subList(before, all.size());
        return switch (r) {
            case RunResult.Returned x -> new TestRunResult.Returned(cpu.reg(X86Reg.RAX), stderr);
            case RunResult.Delivered d -> new TestRunResult.Oops(d.fault().address(), d.fault().rip(), d.fault().write(), where(d.fault().rip()), stderr);
            default -> new TestRunResult.Stopped(stopReason(r), stderr);
        };
    }

    /**
     * Why a run ended without returning, naming the place as the kernel's stack dumps do
     * (prog+off/size) rather than by the JIT image's address, which depends on what the module
     * area held before (the same scenario must give the same trace on a new or a reset machine).
     */
    private String stopReason(RunResult r) {
        return switch (r) {
            case RunResult.BudgetExhausted b -> "out of its " + b.limit() + " budget at " + place(b.rip());
            case RunResult.Trapped t -> "CPU exception " + t.vector() + " at " + place(t.rip());
            default -> r.toString();
        };
    }

    private String place(long rip) {
        String w = where(rip);
        return w.isEmpty() ? String.format("0x%x", rip) : w;
    }

    private String where(long rip) {
        LoadedProgram p = runtime.programAt(rip);
        return p == null ? "" : String.format("%s+0x%x/0x%x", p.name(), rip - p.address(), p.image().code().length);
    }

    // ---- calls out of BPF code -----------------------------------------------------------------

    /** Kfunc calls from BPF code that returned NULL or an errno so far: the failures programs saw. */
    public long kfuncErrors() {
        return kfuncErrors;
    }

    /**
     * A helper or kfunc call of the running program. The verifier only lets the modelled helpers
     * and the arena kfuncs through, and has already specialised the call sites in a non-sleepable
     * context (a non-sleepable program, or under bpf_spin_lock) to the _non_sleepable variants
     * (E4+). A sleepable free removed kernel PTEs: the trampoline flushes the TLB before the
     * program continues.
     */
    private CallResult call(CallTarget target, long a1, long a2, long a3, long a4, long a5) {
        return switch (target) {
            case CallTarget.Helper h -> helper(h.id(), a1);
            case CallTarget.KfuncCall k -> kfunc(k.kfunc(), a1, a2, a3, a4, a5);
        };
    }

    private CallResult kfunc(Kfunc kfunc, long a1, long a2, long a3, long a4, long a5) {
        BpfMap bpfMap = mapAt(a1);
        Object map = bpfMap instanceof BpfMap.ArenaMap am ? am.arena() : bpfMap;
        return switch (kfunc) {
            case BPF_ARENA_ALLOC_PAGES, BPF_ARENA_ALLOC_PAGES_NON_SLEEPABLE -> {
                long addr = kfunc == Kfunc.BPF_ARENA_ALLOC_PAGES_NON_SLEEPABLE
                    ? ArenaKfuncs.bpfArenaAllocPagesNonSleepable(map, a2, (int) a3, (int) a4, a5)
                    : ArenaKfuncs.bpfArenaAllocPages(map, a2, (int) a3, (int) a4, a5);
                if (addr == 0) kfuncErrors++;
                yield CallResult.of(addr);
            }
            case BPF_ARENA_FREE_PAGES_NON_SLEEPABLE -> {
                ArenaKfuncs.bpfArenaFreePagesNonSleepable(map, a2, (int) a3);
                yield new CallResult(0, false);
            }
            case BPF_ARENA_FREE_PAGES -> {
                ArenaKfuncs.bpfArenaFreePages(map, a2, (int) a3);
                yield new CallResult(0, map instanceof Arena);
            }
            case BPF_ARENA_RESERVE_PAGES -> {
                int err = ArenaKfuncs.bpfArenaReservePages(map, a2, (int) a3);
                if (err != 0) kfuncErrors++;
                yield CallResult.of(err);
            }
            case BPF_KFUNC_ARENA_ARG_TEST -> {
                long v = kernelArenaLoad(kfunc, a1);
                kernelArenaStore(kfunc, a1, v + 1);
                yield CallResult.of(v);
            }
            case BPF_KFUNC_ARENA_CAP_TEST, BPF_KFUNC_ARENA_CAP_NULLABLE_TEST -> CallResult.of(a1);
            case BPF_KFUNC_ARENA_ARGS5_TEST -> {
                long sum = 0;
                for (long p : new long[] {a1, a2, a3, a4, a5}) if (p != 0) sum += kernelArenaLoad(kfunc, p);
                yield CallResult.of(sum);
            }
            case BPF_KFUNC_ARENA_MIXED_TEST -> CallResult.of(kernelArenaLoad(kfunc, a1) + (a2 == 0 ? 0 : kernelArenaLoad(kfunc, a2)));
        };
    }

    /**
     * The test module's kernel code reading a u64 through a rebased {@code __arena} argument.
     * An empty PTE there is a kernel-mode fault without an exception-table entry: in E5 (the
     * only era with these kfuncs) bpf_arena_handle_page_fault installs the scratch page, reports
     * the access to the program's stderr and the access is retried, as for kernel code run by
     * {@link #callKernelFunction}.
     */
    private long kernelArenaLoad(Kfunc kfunc, long address) {
        recoverKernelArenaFault(kfunc, address, false);
        return kernelMemory.load(address, 8);
    }

    private void kernelArenaStore(Kfunc kfunc, long address, long value) {
        recoverKernelArenaFault(kfunc, address, true);
        kernelMemory.store(address, 8, value);
    }

    private void recoverKernelArenaFault(Kfunc kfunc, long address, boolean write) {
        Arena arena = running == null ? null : running.arena().orElse(null);
        if (arena == null) throw new IllegalStateException(kfunc.symbol + " called without an arena program running");
        if (arena.kernVm().pageAt(address & -Arena.PAGE_SIZE) != Frames.NO_PAGE) return;
        if (!arena.handleKernelFault(address)) {
            throw new IllegalStateException(String.format("%s: kernel fault at 0x%x has no recovery in this era", kfunc.symbol, address));
        }
        long user = (arena.userVmStart() & ~0xFFFF_FFFFL) + (address - arena.kernVmStart());
        running.report(ArenaViolationReport.line(write, user) + "\nkernel access by " + kfunc.symbol + ": scratch page installed");
    }

    /**
     * bpf_spin_lock / bpf_spin_unlock (kernel/bpf/helpers.c __bpf_spin_lock_irqsave,
     * __bpf_spin_unlock_irqrestore): on x86-64 the lock word is a qspinlock, taken by a cmpxchg of
     * 0 to 1 (_Q_LOCKED_VAL) and released by a store of 0 to its locked byte. One kernel CPU runs
     * programs here, the verifier pairs every lock with an unlock before the program exits, and
     * the map syscalls never write the word (copy_map_value), so the lock is always free when a
     * program takes it: the cmpxchg succeeds at once.
     */
    private CallResult helper(int id, long lock) {
        BpfHelper helper = BpfHelper.byId(id).orElseThrow(() -> new IllegalStateException("helper " + id + " is not modelled"));
        switch (helper) {
            case SPIN_LOCK -> kernelMemory.store(lock, 4, 1);
            case SPIN_UNLOCK -> kernelMemory.store(lock, 1, 0);
        }
        return CallResult.of(0);
    }
}
