package dev.arenaemu.emulator.cpu;

import dev.arenaemu.emulator.ffm.Unicorn;
import dev.arenaemu.emulator.ffm.UnicornException;
import dev.arenaemu.emulator.x86.X86Reg;
import dev.arenaemu.emulator.memory.HostBuffer;
import dev.arenaemu.emulator.paging.PageTable;
import dev.arenaemu.emulator.paging.PteFlag;
import dev.arenaemu.emulator.trap.FaultHandler;
import dev.arenaemu.emulator.trap.FaultResolution;
import dev.arenaemu.emulator.trap.PageFault;
import dev.arenaemu.emulator.trap.SyscallHandler;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * One CPU: a Unicorn engine with its own TLB and translated code, its page-table root (CR3), its
 * own kernel stack, and the machine's physical memory mapped once at its physical addresses.
 * Every virtual mapping is a PTE; the engine walks the tables and reads the frame a PTE names.
 * A CPU boots at CPL0 under the kernel root; it runs a process by loading that process's root
 * ({@link #switchAddressSpace}, a guest {@code mov cr3}) and dropping to CPL3
 * ({@link #enterUserMode}). Kernel work runs at CPL0 under whatever root is loaded, as the
 * kernel's lazy TLB mode does: every root shares the kernel half.
 *
 * <p>Every #PF reaches {@link FaultHandler} with the error code, RIP and CR2 read from the context blob; the
 * handler's {@link FaultResolution} is applied and the blob's old_exception is reset so the next
 * fault is a #PF again, not a #DF (Unicorn never "delivers" a handled exception: emulator/README.md,
 * "Quirks").
 */
public final class Cpu implements AutoCloseable {
    private static final int UC_ERR_INSN_INVALID = 10, UC_ERR_EXCEPTION = 21;
    private static final int UC_ERR_READ_UNMAPPED = 6, UC_ERR_WRITE_UNMAPPED = 7, UC_ERR_FETCH_UNMAPPED = 8;

    private final Machine machine;
    private final Unicorn uc;
    private final int index;
    /** This CPU's own kernel stack (one per CPU, as the kernel's per-CPU task stacks). */
    private final long kernelStackTop;
    /** What CR3 holds: the kernel's root at boot, then the root of the last address space loaded. */
    private PageTable table;
    private final ContextLayout layout;
    private final Unicorn.Context scratchContext;
    private final Unicorn.Context kernelContext;     // CPL0 state saved while at CPL3 (privileged stubs, leaving user mode)
    private final Unicorn.Context userContext;       // CPL3 entry state for the loaded root, saved after its iretq
    private final Unicorn.Context stubContext;       // the interrupted state around a privileged stub
    private final EngineRegions regions;
    /** {@link #userContext} was saved under the root loaded now (a CR3 load invalidates it). */
    private boolean userContextValid;
    /**
     * {@link #kernelContext} was saved under the root loaded now. Kernel work sets the registers
     * it uses (arguments, RSP), so the CPL0 state worth keeping — segments, control registers,
     * CR3 — changes only with a CR3 load: one save per root, not one per user access.
     */
    private boolean kernelContextValid;
    /** Code other than the machine's stubs (user code) ran here since the last translation flush. */
    private boolean userCode;
    /** Another CPU placed user code since this one last dropped its translations: see {@link #userCodeChangedElsewhere}. */
    private boolean userCodeStale;

    private boolean inUserMode;
    private FaultHandler faultHandler = FaultHandler.DELIVER_ALL;
    private SyscallHandler syscallHandler = SyscallHandler.EXIT_ALL;

    // State of the run in progress.
    private boolean running;
    private RunResult stopResult;
    private long faultsLeft;
    private long runUntil;
    private boolean interrupted;          // an interrupt hook ran during this run
    private long unmappedAddress;
    private long faultCount;

    /** What is left of the run's instruction budget; native charge hooks subtract from it (see {@link Budget}). */
    private final Unicorn.Countdown countdown;
    /** Charge points an owner placed ({@link #chargeAt}), removed with the owner. */
    private final java.util.Set<Long> ownerCharges = new java.util.HashSet<>();

    // Wall-clock budget, shared with the watchdog thread.
    private final Object wallLock = new Object();
    private long wallDeadline;            // guarded by wallLock; 0 = none
    private volatile boolean wallExpired;

    Cpu(Machine machine, int index, PageTable table, long kernelStackTop, ContextLayout layout) {
        this.machine = machine;
        this.index = index;
        this.table = table;
        this.kernelStackTop = kernelStackTop;
        this.layout = layout;
        this.uc = new Unicorn();
        uc.setTcgBufferSize(TCG_BUFFER_BYTES);
        this.regions = new EngineRegions(uc);
        this.scratchContext = uc.contextAlloc();
        this.userContext = uc.contextAlloc();
        this.stubContext = uc.contextAlloc();
        this.kernelContext = uc.contextAlloc();
        uc.hookInterrupt(this::onInterrupt);
        uc.hookUnmapped(this::onUnmapped);
        uc.hookSyscall(this::onSyscall);
        this.countdown = uc.countdown();
        if (machine.countsInstructions()) {
            // Every instruction outside the module area costs one unit; module text only where its owner charges.
            uc.hookCharge(0, Machine.MODULES_VADDR - 1, countdown, 1);
            uc.hookCharge(Machine.MODULES_END, -1L, countdown, 1);
        }
    }

    /**
     * Translation buffer per engine. Unicorn's default reserves 1 GiB of host address space per
     * engine; the guest code here (stubs, JIT'd programs, user snippets) is small, and a machine
     * has several engines (emulator/docs/costs.md, "Memory per engine").
     */
    public static final int TCG_BUFFER_BYTES = 32 << 20;

    /** Long mode with paging on under this CPU's root, written before the first run. */
    void initialiseLongMode(long gdtBase, int gdtLimit) {
        uc.regWriteTable(X86Reg.GDTR, gdtBase, gdtLimit);
        uc.regWrite(X86Reg.CR3, table.root());
        uc.regWrite(X86Reg.CR4, 0x220);                 // PAE | OSFXSR
        uc.msrWrite(0xC000_0080, 0xD01);                // EFER = SCE | LME | LMA | NXE: the NX bit is honoured
        uc.regWrite(X86Reg.CR0, 0x8001_0033L);          // PG | WP | NE | ET | MP | PE
        uc.regWrite(X86Reg.RSP, kernelStackTop);
    }

    /** This CPU's number (0 boots). */
    public int index() { return index; }
    /** The top of this CPU's kernel stack (RSP at CPL0 after boot). */
    public long kernelStackTop() { return kernelStackTop; }
    /** The lowest address of this CPU's kernel stack: kernel scratch space of this CPU (uaccess bounce buffer). */
    public long kernelStackBottom() { return kernelStackTop - Machine.KERNEL_STACK_SIZE; }
    /** The root CR3 holds now: the address space this CPU walks (the kernel's per-CPU cpu_tlbstate.loaded_mm). */
    public PageTable pageTable() { return table; }
    public Machine machine() { return machine; }
    /** The privilege level code runs at now (CS.RPL). */
    public int cpl() { return (int) (uc.regRead(X86Reg.CS) & 3); }
    /** Faults dispatched by this CPU since it was created. */
    public long faultCount() { return faultCount; }

    public void setFaultHandler(FaultHandler handler) { this.faultHandler = handler; }
    public void setSyscallHandler(SyscallHandler handler) { this.syscallHandler = handler; }
    /** The handler #PF goes to now (a process's own while it runs here, else the kernel's). */
    public FaultHandler faultHandler() { return faultHandler; }
    public SyscallHandler syscallHandler() { return syscallHandler; }

    // ---- regions ------------------------------------------------------------------------

    /** Shows {@code buffer} at its physical address in this engine (physical memory, not a mapping). */
    void mapPhysical(HostBuffer buffer) {
        regions.map(buffer.physBase(), buffer.size(), buffer.memory());
    }

    /** Removes a buffer from this engine's physical memory. */
    void unmapPhysical(HostBuffer buffer) {
        regions.unmap(buffer.physBase(), buffer.size());
    }

    /** Retires (see {@link EngineRegions}) every region whose start {@code keep} rejects. */
    void retireRegionsBut(LongPredicate keep) {
        regions.retireAllBut(keep);
    }

    /** Retired regions an identical mapping brought back (machine reuse saved a uc_mem_map_ptr/unmap pair). */
    public long regionsRevived() { return regions.revivedCount(); }

    public List<Unicorn.Region> regions() {
        return uc.memRegions();
    }

    // ---- registers and memory -------------------------------------------------------------

    public long reg(X86Reg reg) { return uc.regRead(reg); }
    public void reg(X86Reg reg, long value) { uc.regWrite(reg, value); }

    /**
     * Writes at virtual {@code va} of this CPU's address space, through its page table (as the
     * kernel's own accessors do; no permission check, no TLB involved). Every page must be
     * present. Code that already ran from these bytes keeps its translation: call
     * {@link #removeTranslations} or {@link #flushTranslations} before running it.
     */
    public void write(long va, byte[] bytes) {
        for (int done = 0; done < bytes.length; ) {
            long at = va + done;
            int n = (int) Math.min(bytes.length - done, 4096 - (at & 0xFFF));
            MemorySegment.copy(bytes, done, frameBytes(at, n), ValueLayout.JAVA_BYTE, 0, n);
            done += n;
        }
    }

    /** Reads at virtual {@code va} of this CPU's address space (see {@link #write}). */
    public byte[] read(long va, int length) {
        byte[] out = new byte[length];
        for (int done = 0; done < length; ) {
            long at = va + done;
            int n = (int) Math.min(length - done, 4096 - (at & 0xFFF));
            MemorySegment.copy(frameBytes(at, n), ValueLayout.JAVA_BYTE, 0, out, done, n);
            done += n;
        }
        return out;
    }

    private MemorySegment frameBytes(long va, int length) {
        long e = table.entry(va);
        if ((e & PteFlag.P) == 0) throw new IllegalArgumentException("no page at 0x" + Long.toHexString(va) + " in this address space");
        return machine.physical().bytes((e & PteFlag.FRAME_MASK) | (va & 0xFFF), length);
    }

    /** Drops all translated code of this CPU (not the TLB): required after rewriting code in place. */
    public void flushTranslations() {
        if (running) throw new IllegalStateException("translations cannot be flushed during a run");
        uc.flushTranslations();
    }

    /**
     * Drops the translated code of virtual [begin, end) in this CPU's address space and every jump
     * chained into it: code placed again at an address that held other code must not run as the
     * old translation (or half-linked to it).
     */
    public void removeTranslations(long begin, long end) {
        if (running) throw new IllegalStateException("translations cannot be removed during a run");
        uc.removeTranslations(begin, end);
    }



    /** Hooks execution of [begin, end] (inclusive); used for trampolines into Java. */
    public long hookCode(long begin, long end, Unicorn.CodeHook hook) { return uc.hookCode(begin, end, hook); }

    /** Removes a hook added with {@link #hookCode} or {@link #chargeAt}. */
    public void unhook(long hookId) {
        uc.hookDelete(hookId);
        ownerCharges.remove(hookId);
    }

    /**
     * Charges {@code weight} units of the run's instruction budget each time the instruction at
     * {@code address} (in the module area) is about to run, stopping the run there when the
     * budget is spent. Code in the module area is charged nowhere else, so its owner must charge
     * every loop of it (see {@link Budget}). Returns the hook id for {@link #unhook}; nothing is
     * hooked on an {@link Machine#uncounted()} machine (id 0).
     */
    public long chargeAt(long address, long weight) {
        if (Long.compareUnsigned(address, Machine.MODULES_VADDR) < 0 || Long.compareUnsigned(address, Machine.MODULES_END) >= 0) {
            throw new IllegalArgumentException(String.format("charge point 0x%x outside the module area: every instruction there is charged already", address));
        }
        if (!machine.countsInstructions()) return 0;
        long id = uc.hookCharge(address, address, countdown, weight);
        ownerCharges.add(id);
        return id;
    }

    // ---- reuse --------------------------------------------------------------------------

    /**
     * Forgets what a previous owner left on this engine: handlers, code hooks and the fault
     * count. Not its translated kernel code (user code's is dropped by {@link #reboot}): a full flush was slow on 2.0.1 (about a second; on 2.1.4
     * CpuTranslationFlushTest, boot included, takes under 0.4 s), so code is never placed twice
     * at one address instead (see {@link Machine#codeHighWater}). The physical buffers' regions
     * are retired by the caller (see EngineRegions).
     */
    private void forgetOwner() {
        if (running) throw new IllegalStateException("a running CPU cannot change owners");
        uc.deleteCodeHooks();
        for (long id : java.util.List.copyOf(ownerCharges)) unhook(id);
        faultHandler = FaultHandler.DELIVER_ALL;
        syscallHandler = SyscallHandler.EXIT_ALL;
        faultCount = 0;
    }

    /**
     * Says that user code (code other than the machine's stubs) is about to run here. Translated
     * code outlives the bytes it came from when something other than this engine rewrites them
     * (host writes, another CPU's stores: emulator/README.md quirk 4), so this CPU drops its
     * translations first if user code was placed elsewhere since its last flush, and a machine
     * reset drops them for the next life.
     */
    public void ranUserCode() {
        if (userCodeStale) {
            flushTranslations();
            userCodeStale = false;
        }
        userCode = true;
    }

    /**
     * Another CPU (or the host) placed user code: if this CPU ever translated user code, its
     * translations of those physical pages may be stale; they are dropped before it runs user
     * code again ({@link #ranUserCode}).
     */
    void userCodeChangedElsewhere() {
        if (userCode) userCodeStale = true;
    }

    /** The kernel CPU after a machine reset: its boot registers, the kernel root, an empty TLB, no user translations. */
    void reboot(long gdtBase, int gdtLimit, PageTable kernelTable) {
        forgetOwner();
        if (userCode) {
            flushTranslations();
            userCode = false;
            userCodeStale = false;
        }
        if (inUserMode) uc.contextRestore(kernelContext);
        resetOldException();
        inUserMode = false;
        userContextValid = false;
        kernelContextValid = false;
        table = kernelTable;
        initialiseLongMode(gdtBase, gdtLimit);
        flushTlbAll();
    }

    // ---- execution ----------------------------------------------------------------------

    /**
     * Runs from {@code begin} until RIP reaches {@code until}, a handler stops it, or a budget runs
     * out. A throwable from a fault, syscall or code hook ends the run and is rethrown here; the
     * CPU stays usable (RIP is where the guest stopped).
     *
     * <p>Reaching {@code until} never faults, even when Unicorn's translation of the zero-length
     * "exit" block probes the page of {@code until} or, when {@code until} starts a page, the
     * page before it (see emulator/README.md, "until at a page start").
     */
    public RunResult run(long begin, long until, Budget budget) {
        if (running) throw new IllegalStateException("nested run on one CPU");
        running = true;
        stopResult = null;
        interrupted = false;
        runUntil = until;
        faultsLeft = budget.faults();
        countdown.set(budget.instructions());
        long wallNanos = Math.min(budget.wallMicros(), Long.MAX_VALUE / 4000) * 1000L;   // no overflow in the deadline
        boolean watched = wallNanos > 0;
        if (watched) armWallClock(System.nanoTime() + wallNanos);
        try {
            long rip = begin;
            while (true) {
                if (watched && wallExpired) return new RunResult.BudgetExhausted(RunResult.Limit.WALL_CLOCK, rip);
                // Never Unicorn's own count: the charge hooks keep the budget (see Budget), and
                // leaving count mode would flush every translation (uc_emu_start does).
                int err = uc.startRaw(rip, until, 0, 0);
                if (stopResult != null) return stopResult;
                switch (err) {
                    case 0 -> {
                        long now = uc.regRead(X86Reg.RIP);
                        if (now == until) return new RunResult.Returned(now);
                        // Neither a charge hook's stop nor our watchdog's is reported by
                        // uc_emu_start; both leave a mark. (A CPL0 hlt also lands here, see README.)
                        boolean spent = countdown.get() < 0;
                        return new RunResult.BudgetExhausted(!spent && wallExpired ? RunResult.Limit.WALL_CLOCK : RunResult.Limit.INSTRUCTIONS, now);
                    }
                    case UC_ERR_READ_UNMAPPED, UC_ERR_WRITE_UNMAPPED, UC_ERR_FETCH_UNMAPPED -> {
                        RunResult stop = dispatchNoRegion(err);
                        if (stop != null) return stop;
                        rip = uc.regRead(X86Reg.RIP);
                    }
                    case UC_ERR_INSN_INVALID -> { return new RunResult.Trapped(6, uc.regRead(X86Reg.RIP)); }
                    case UC_ERR_EXCEPTION -> { return new RunResult.Trapped(-1, uc.regRead(X86Reg.RIP)); }
                    default -> throw new UnicornException("uc_emu_start", err, Unicorn.strerror(err));
                }
            }
        } finally {
            if (watched) disarmWallClock();
            // A run stopped from inside the interrupt hook can leave old_exception set again
            // (seen when the exception was raised while translating a block): clear it so the
            // next run's first #PF is not turned into #DF.
            if (interrupted) resetOldException();
            running = false;
        }
    }

    public boolean running() { return running; }

    // ---- wall-clock budget (see WallClockWatchdog) ----------------------------------------

    private void armWallClock(long deadline) {
        synchronized (wallLock) {
            wallDeadline = deadline;
            wallExpired = false;
        }
        WallClockWatchdog.watch(this);
    }

    private void disarmWallClock() {
        WallClockWatchdog.unwatch(this);
        synchronized (wallLock) {
            wallDeadline = 0;
        }
    }

    /**
     * Called by the watchdog thread: stop this run if its deadline has passed. The stop is repeated
     * at every tick until the run disarms: a uc_emu_stop that arrives while the engine is between two
     * uc_emu_start calls of this run (after a fault was handled) or before uc_emu_start has cleared
     * its stop request is lost, and with busy cores a thread can be preempted in exactly that gap.
     */
    void expireIfLate(long now) {
        synchronized (wallLock) {
            if (wallDeadline == 0 || now - wallDeadline < 0) return;
            wallExpired = true;
            uc.stopFromAnotherThread();
        }
    }

    private void onInterrupt(int intno) {
        interrupted = true;
        uc.contextSave(scratchContext);
        MemorySegment blob = scratchContext.bytes();
        long rip = blob.get(ValueLayout.JAVA_LONG_UNALIGNED, layout.ripOffset());
        long cr2 = blob.get(ValueLayout.JAVA_LONG_UNALIGNED, layout.cr2Offset());
        int errorCode = blob.get(ValueLayout.JAVA_INT_UNALIGNED, layout.errorCodeOffset());
        blob.set(ValueLayout.JAVA_INT_UNALIGNED, layout.oldExceptionOffset(), -1);
        uc.contextRestore(scratchContext);
        if (rip == runUntil) {
            // Translating the exit block at `until` probed a page the guest never executes.
            stop(new RunResult.Returned(rip));
            return;
        }
        if (intno != 14) {
            stop(new RunResult.Trapped(intno, rip));
            return;
        }
        PageFault fault = new PageFault(cr2, errorCode, rip, (errorCode & PageFault.PF_USER) != 0 ? 3 : 0, false);
        FaultResolution resolution = dispatch(fault);
        if (resolution != null) apply(resolution, fault);
    }

    private boolean onUnmapped(int type, long address, int size, long value) {
        // No region: stop, and let run() dispatch outside the engine (restarting is cheap enough
        // for this rare path, and the engine's state is settled by then).
        unmappedAddress = address;
        return false;
    }

    private RunResult dispatchNoRegion(int err) {
        long rip = uc.regRead(X86Reg.RIP);
        if (rip == runUntil) return new RunResult.Returned(rip);   // the exit block's probe, as above
        int cpl = cpl();
        int code = (cpl == 3 ? PageFault.PF_USER : 0)
            | (err == UC_ERR_WRITE_UNMAPPED ? PageFault.PF_WRITE : 0)
            | (err == UC_ERR_FETCH_UNMAPPED ? PageFault.PF_INSTR : 0);
        PageFault fault = new PageFault(unmappedAddress, code, rip, cpl, true);
        FaultResolution resolution = dispatch(fault);
        if (resolution == null) return stopResult;
        if (resolution instanceof FaultResolution.Deliver) return new RunResult.Delivered(fault);
        apply(resolution, fault);
        return null;
    }

    /** Counts the fault against the budget and asks the handler; null when the run must stop. */
    private FaultResolution dispatch(PageFault fault) {
        faultCount++;
        if (--faultsLeft < 0) {
            stop(new RunResult.BudgetExhausted(RunResult.Limit.FAULTS, fault.rip()));
            return null;
        }
        return faultHandler.onPageFault(fault, this);
    }

    private void apply(FaultResolution resolution, PageFault fault) {
        switch (resolution) {
            case FaultResolution.Retry r -> { }
            case FaultResolution.Fixup f -> {
                if (f.zeroRegister() != null) uc.regWrite(f.zeroRegister(), 0);
                uc.regWrite(X86Reg.RIP, f.resumeRip());
            }
            case FaultResolution.Deliver d -> stop(new RunResult.Delivered(fault));
        }
    }

    private void onSyscall() {
        if (syscallHandler.onSyscall(this) == SyscallHandler.Action.EXIT) {
            stop(new RunResult.Exited(uc.regRead(X86Reg.RDI), uc.regRead(X86Reg.RIP)));
        }
    }

    private void stop(RunResult result) {
        if (stopResult == null) stopResult = result;
        uc.stop();
    }

    private void resetOldException() {
        uc.contextSave(scratchContext);
        scratchContext.bytes().set(ValueLayout.JAVA_INT_UNALIGNED, layout.oldExceptionOffset(), -1);
        uc.contextRestore(scratchContext);
    }

    // ---- TLB ----------------------------------------------------------------------------

    /**
     * Drops this CPU's cached translation of {@code va} with a guest {@code invlpg}, as the kernel
     * does; inside a run, where a nested run would clobber state, the engine's whole TLB is
     * flushed through uc_ctl (Unicorn has no single-page control).
     */
    public void flushTlbPage(long va) {
        if (running) { flushInsideRun(); return; }
        runPrivileged(machine.stubs().invlpg(), va, 0);
    }

    /** Drops every cached translation of this CPU (guest {@code mov cr3, cr3}). */
    public void flushTlbAll() {
        if (running) { flushInsideRun(); return; }
        runPrivileged(machine.stubs().reloadCr3(), 0, 0);
    }

    /**
     * Drops the translations of [start, end): page by page up to {@link #SINGLE_PAGE_FLUSH_CEILING}
     * pages, the whole TLB beyond that (the kernel's tlb_single_page_flush_ceiling trade-off).
     * The per-page {@code invlpg}s run as one loop in one run: each run costs a few µs of
     * uc_emu_start overhead, an {@code invlpg} inside a run much less (emulator/docs/costs.md).
     */
    public void flushTlbRange(long start, long end) {
        long first = start & ~0xFFFL;
        long pages = (end - first + 4095) >>> 12;
        if (end <= start || pages <= 0) return;
        if (running || pages > SINGLE_PAGE_FLUSH_CEILING) { flushTlbAll(); return; }
        runPrivileged(machine.stubs().invlpgRange(), first, pages);
    }

    /** Same value as arch/x86/mm/tlb.c's tlb_single_page_flush_ceiling. */
    public static final int SINGLE_PAGE_FLUSH_CEILING = 33;

    private void flushInsideRun() {
        uc.flushTlb();
    }

    /** Runs a CPL0 stub with RDI, RSI = the arguments, without disturbing guest registers. */
    private void runPrivileged(Stubs.Stub stub, long rdi, long rsi) {
        uc.contextSave(stubContext);
        if (cpl() != 0) uc.contextRestore(kernelContext);
        uc.regWrite(X86Reg.RDI, rdi);
        uc.regWrite(X86Reg.RSI, rsi);
        try {
            RunResult r = run(stub.address(), stub.end(), Budget.SHORT);
            if (!(r instanceof RunResult.Returned)) throw new IllegalStateException("TLB flush stub failed: " + r);
        } finally {
            uc.contextRestore(stubContext);
        }
    }

    // ---- address spaces and privilege levels ------------------------------------------------

    /**
     * switch_mm: loads {@code next}'s root into CR3 with a guest {@code mov cr3}, which drops this
     * CPU's cached translations. Without PCID the kernel's non-global entries go; QEMU's TLB
     * keeps no global entries, so here every entry goes, kernel ones included (on hardware
     * PAGE_KERNEL's global bit would keep those: docs/machine.md). Nothing happens when
     * {@code next} is loaded already, as switch_mm_irqs_off skips a switch to the same mm.
     * At CPL0, outside a run.
     */
    public void switchAddressSpace(PageTable next) {
        if (running) throw new IllegalStateException("CR3 cannot be loaded inside a run here");
        if (inUserMode) throw new IllegalStateException("CR3 is loaded at CPL0: leave user mode first");
        if (next == table) return;
        uc.regWrite(X86Reg.CR3, next.root());
        table = next;
        userContextValid = false;
        kernelContextValid = false;
        flushTlbAll();                       // the guest's mov cr3 (the register write alone does not flush)
    }

    /** Whether this CPU runs at CPL3 now (between {@link #enterUserMode} and {@link #enterKernelMode}). */
    public boolean inUserMode() { return inUserMode; }

    /**
     * Drops to CPL3 under the loaded root. The CPL0 state (saved once per root) comes back with
     * {@link #enterKernelMode} and around privileged stubs (TLB flushes) run meanwhile. The first
     * entry under a root goes through a guest {@code iretq} with the GDT's user selectors; later
     * ones restore the CPL3 state saved after it. General registers are the caller's to set on
     * both sides: they are those of the saved states.
     */
    public void enterUserMode() {
        if (running) throw new IllegalStateException("cannot switch modes inside a run");
        if (inUserMode) throw new IllegalStateException("already in user mode");
        if (!kernelContextValid) {
            uc.contextSave(kernelContext);
            kernelContextValid = true;
        }
        if (userContextValid) {
            uc.contextRestore(userContext);
        } else {
            uc.regWrite(X86Reg.RDI, machine.stubs().userPark().address());
            uc.regWrite(X86Reg.RSI, 0);
            RunResult r = run(machine.stubs().iretqEntry().address(), machine.stubs().userPark().address(), Budget.SHORT);
            if (!(r instanceof RunResult.Returned) || cpl() != 3) {
                uc.contextRestore(kernelContext);
                throw new IllegalStateException("iretq to CPL3 failed: " + r + " cs=0x" + Long.toHexString(uc.regRead(X86Reg.CS)));
            }
            uc.contextSave(userContext);
            userContextValid = true;
        }
        inUserMode = true;
    }

    /** Back to the CPL0 state saved by {@link #enterUserMode} (the kernel side, this CPU's kernel stack). */
    public void enterKernelMode() {
        if (running) throw new IllegalStateException("cannot switch modes inside a run");
        if (!inUserMode) throw new IllegalStateException("already in kernel mode");
        uc.contextRestore(kernelContext);
        inUserMode = false;
    }

    @Override
    public void close() {
        uc.close();
    }
}
