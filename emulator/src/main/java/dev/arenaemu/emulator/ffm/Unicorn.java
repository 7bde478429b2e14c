package dev.arenaemu.emulator.ffm;

import dev.arenaemu.emulator.x86.X86Reg;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one place that talks to libunicorn.so.2 (FFM, no JNI). One instance is one uc_engine.
 *
 * <p>Every upcall catches whatever the Java callback throws, stops emulation and keeps the
 * throwable; {@link #start} rethrows it once uc_emu_start has returned. A throwing upcall would
 * otherwise take the JVM down (FFM aborts on an uncaught exception in an upcall).
 *
 * <p>Not thread-safe: one engine is driven by one thread at a time, as libunicorn requires.
 */
public final class Unicorn implements AutoCloseable {
    public static final int UC_ARCH_X86 = 4;
    public static final int UC_MODE_64 = 8;
    public static final int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4, PROT_ALL = 7;

    public static final int HOOK_INTR = 1, HOOK_INSN = 1 << 1, HOOK_CODE = 1 << 2;
    public static final int HOOK_MEM_READ_UNMAPPED = 1 << 4, HOOK_MEM_WRITE_UNMAPPED = 1 << 5,
        HOOK_MEM_FETCH_UNMAPPED = 1 << 6;
    public static final int HOOK_MEM_UNMAPPED = HOOK_MEM_READ_UNMAPPED | HOOK_MEM_WRITE_UNMAPPED | HOOK_MEM_FETCH_UNMAPPED;
    /** uc_mem_type values reported to unmapped-memory hooks. */
    public static final int MEM_READ_UNMAPPED = 19, MEM_WRITE_UNMAPPED = 20, MEM_FETCH_UNMAPPED = 21;
    public static final int X86_INS_SYSCALL = 699;

    /** Called for UC_HOOK_INTR (intno 14 = #PF, 8 = #DF, 13 = #GP, ...). */
    @FunctionalInterface public interface InterruptHook { void onInterrupt(int intno); }
    /** Called for UC_HOOK_INSN with UC_X86_INS_SYSCALL; execution continues after the instruction. */
    @FunctionalInterface public interface SyscallHook { void onSyscall(); }
    /** Called for UC_HOOK_CODE before each instruction in the hooked range. */
    @FunctionalInterface public interface CodeHook { void onCode(long address, int size); }
    /** Called for an access where no region exists; return true only if a region was mapped. */
    @FunctionalInterface public interface UnmappedHook { boolean onUnmapped(int type, long address, int size, long value); }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIB = openLibrary();

    private static final MethodHandle UC_OPEN = h("uc_open", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle UC_CLOSE = h("uc_close", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle UC_STRERROR = h("uc_strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final MethodHandle UC_MEM_MAP = h("uc_mem_map", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle UC_MEM_MAP_PTR = h("uc_mem_map_ptr", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS));
    private static final MethodHandle UC_MEM_UNMAP = h("uc_mem_unmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle UC_MEM_PROTECT = h("uc_mem_protect", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle UC_MEM_REGIONS = h("uc_mem_regions", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle UC_FREE = h("uc_free", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle UC_MEM_READ = h("uc_mem_read", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG));
    private static final MethodHandle UC_MEM_WRITE = h("uc_mem_write", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG));
    private static final MethodHandle UC_REG_READ = h("uc_reg_read", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS), Linker.Option.critical(false));
    private static final MethodHandle UC_REG_WRITE = h("uc_reg_write", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS), Linker.Option.critical(false));
    private static final MethodHandle UC_EMU_START = h("uc_emu_start", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle UC_EMU_STOP = h("uc_emu_stop", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    /** uc_emu_stop's own address: the native charge callback tail-calls it ({@link ChargeCode}). */
    private static final MemorySegment UC_EMU_STOP_ENTRY = LIB.find("uc_emu_stop").orElseThrow();
    private static final MethodHandle UC_CONTEXT_ALLOC = h("uc_context_alloc", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle UC_CONTEXT_SAVE = h("uc_context_save", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle UC_CONTEXT_RESTORE = h("uc_context_restore", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle UC_CONTEXT_SIZE = h("uc_context_size", FunctionDescriptor.of(JAVA_LONG, ADDRESS));
    private static final MethodHandle UC_CONTEXT_FREE = h("uc_context_free", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle UC_HOOK_ADD = h("uc_hook_add",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle UC_HOOK_ADD_INSN = h("uc_hook_add",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT),
        Linker.Option.firstVariadicArg(7));
    private static final MethodHandle UC_HOOK_DEL = h("uc_hook_del", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    /** uc_ctl(uc, UC_CTL_WRITE(UC_CTL_TB_FLUSH, 0)): variadic after the control word, no further arguments. */
    private static final MethodHandle UC_CTL_0 = h("uc_ctl", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), Linker.Option.firstVariadicArg(2));
    /** uc_ctl with two 64-bit arguments (UC_CTL_TB_REMOVE_CACHE: begin, end). */
    private static final MethodHandle UC_CTL_2L = h("uc_ctl", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(2));
    /** uc_ctl with one int argument (UC_CTL_TCG_BUFFER_SIZE). */
    private static final MethodHandle UC_CTL_1I = h("uc_ctl", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    /** uc_control_type of unicorn 2.1.x (unicorn.h); the control word is type | nargs << 26 | rw << 30. */
    private static final int UC_CTL_TB_REMOVE_CACHE = 9, UC_CTL_TB_FLUSH = 10, UC_CTL_TLB_FLUSH = 11, UC_CTL_TCG_BUFFER_SIZE = 13;
    private static final int UC_CTL_IO_WRITE = 1;

    private static int ctlWrite(int type, int nargs) {
        return type | nargs << 26 | UC_CTL_IO_WRITE << 30;
    }

    /** struct uc_x86_mmr { u16 selector; u64 base; u32 limit; u32 flags; } */
    private static final MemoryLayout MMR = MemoryLayout.structLayout(
        ValueLayout.JAVA_SHORT, MemoryLayout.paddingLayout(6), JAVA_LONG, JAVA_INT, JAVA_INT);
    /** struct uc_x86_msr { u32 rid; u64 value; } */
    private static final MemoryLayout MSR_LAYOUT = MemoryLayout.structLayout(JAVA_INT, MemoryLayout.paddingLayout(4), JAVA_LONG);

    private final Arena arena = Arena.ofShared();
    private final MemorySegment handle;
    private final MemorySegment scratch;
    private final List<MemorySegment> keepAlive = new ArrayList<>();
    private Throwable pending;
    /**
     * Code hooks by the key passed to libunicorn as user_data. All of an engine's code hooks share
     * one upcall stub: a stub per hook would stay in the engine's arena until uc_close, and an
     * engine that machine reuse keeps for thousands of jobs (each adding its hooks) would grow.
     */
    private final Map<Long, CodeHook> codeHooks = new ConcurrentHashMap<>();
    private final Map<Long, Long> codeHookKeys = new ConcurrentHashMap<>();
    private long nextCodeHookKey = 1;
    private MemorySegment codeStub;
    private final MemorySegment hookOut = arena.allocate(JAVA_LONG);
    /** The native charge callback, made at the first {@link #hookCharge}. */
    private ChargeCode chargeCode;
    /** Charge records by hook id; a deleted hook's record is reused, so records never pile up on a long-lived engine. */
    private final Map<Long, MemorySegment> chargeRecords = new java.util.HashMap<>();
    private final java.util.ArrayDeque<MemorySegment> freeChargeRecords = new java.util.ArrayDeque<>();
    private boolean closed;

    public Unicorn() {
        MemorySegment out = arena.allocate(ADDRESS);
        check("uc_open", (int) call(UC_OPEN, UC_ARCH_X86, UC_MODE_64, out));
        handle = out.get(ADDRESS, 0);
        scratch = arena.allocate(64, 16);
    }

    // ---- memory --------------------------------------------------------------------------

    public void memMap(long address, long size, int perms) {
        check("uc_mem_map", (int) call(UC_MEM_MAP, handle, address, size, perms));
    }

    /** Maps caller-owned host memory; several calls with one pointer alias the same bytes. */
    public void memMapPtr(long address, long size, int perms, MemorySegment host) {
        int err;
        try { err = (int) UC_MEM_MAP_PTR.invokeExact(handle, address, size, perms, host); } catch (Throwable t) { throw rethrow(t); }
        check("uc_mem_map_ptr", err);
    }

    public void memUnmap(long address, long size) {
        int err;
        try { err = (int) UC_MEM_UNMAP.invokeExact(handle, address, size); } catch (Throwable t) { throw rethrow(t); }
        check("uc_mem_unmap", err);
    }

    public void memProtect(long address, long size, int perms) {
        check("uc_mem_protect", (int) call(UC_MEM_PROTECT, handle, address, size, perms));
    }

    /** A region as uc_mem_regions reports it; {@code end} is inclusive. */
    public record Region(long begin, long end, int perms) {}

    public List<Region> memRegions() {
        MemorySegment regionsOut = arena.allocate(ADDRESS);
        MemorySegment countOut = arena.allocate(JAVA_INT);
        check("uc_mem_regions", (int) call(UC_MEM_REGIONS, handle, regionsOut, countOut));
        int count = countOut.get(JAVA_INT, 0);
        MemorySegment regions = regionsOut.get(ADDRESS, 0).reinterpret(24L * count);
        List<Region> list = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            list.add(new Region(regions.get(JAVA_LONG, 24L * i), regions.get(JAVA_LONG, 24L * i + 8),
                regions.get(JAVA_INT, 24L * i + 16)));
        }
        call(UC_FREE, regions);
        return list;
    }

    public void memRead(long address, MemorySegment dst) {
        check("uc_mem_read", memRead0(address, dst, dst.byteSize()));
    }

    public byte[] memRead(long address, int length) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(Math.max(1, length));
            check("uc_mem_read", memRead0(address, buf, length));
            return buf.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** Writes through the engine, which also drops translation blocks made from these bytes. */
    public void memWrite(long address, byte[] bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(Math.max(1, bytes.length));
            MemorySegment.copy(bytes, 0, buf, ValueLayout.JAVA_BYTE, 0, bytes.length);
            int err;
            try { err = (int) UC_MEM_WRITE.invokeExact(handle, address, buf, (long) bytes.length); } catch (Throwable t) { throw rethrow(t); }
            check("uc_mem_write", err);
        }
    }

    // ---- registers -----------------------------------------------------------------------

    public long regRead(X86Reg reg) {
        scratch.set(JAVA_LONG, 0, 0L);
        check("uc_reg_read", regRead0(UcX86RegIds.of(reg)));
        return scratch.get(JAVA_LONG, 0);
    }

    public void regWrite(X86Reg reg, long value) {
        scratch.set(JAVA_LONG, 0, value);
        check("uc_reg_write", regWrite0(UcX86RegIds.of(reg)));
    }

    /** Writes a descriptor-table register (GDTR/IDTR): base and limit. */
    public void regWriteTable(X86Reg reg, long base, int limit) {
        scratch.fill((byte) 0);
        scratch.set(JAVA_LONG, 8, base);
        scratch.set(JAVA_INT, 16, limit);
        check("uc_reg_write", regWrite0(UcX86RegIds.of(reg)));
    }

    public void msrWrite(int msr, long value) {
        scratch.fill((byte) 0);
        scratch.set(JAVA_INT, 0, msr);
        scratch.set(JAVA_LONG, 8, value);
        check("uc_reg_write", regWrite0(UcX86RegIds.of(X86Reg.MSR)));
    }

    public long msrRead(int msr) {
        scratch.fill((byte) 0);
        scratch.set(JAVA_INT, 0, msr);
        check("uc_reg_read", regRead0(UcX86RegIds.of(X86Reg.MSR)));
        return scratch.get(JAVA_LONG, 8);
    }

    /**
     * Drops every translated block (uc_ctl(UC_CTL_TB_FLUSH)). Host-side writes to guest RAM (through
     * a MemorySegment or uc_mem_write) do not invalidate the blocks translated from those bytes.
     */
    public void flushTranslations() {
        check("uc_ctl(UC_CTL_TB_FLUSH)", (int) call(UC_CTL_0, handle, ctlWrite(UC_CTL_TB_FLUSH, 0)));
    }

    /**
     * Drops the translated blocks whose code lies in [begin, end) (virtual addresses of the
     * current address space: uc_ctl_remove_cache), and unlinks every block chained into them.
     * Code rewritten in place must go through this before it runs again.
     */
    public void removeTranslations(long begin, long end) {
        int err;
        try { err = (int) UC_CTL_2L.invokeExact(handle, ctlWrite(UC_CTL_TB_REMOVE_CACHE, 2), begin, end); } catch (Throwable t) { throw rethrow(t); }
        check("uc_ctl(UC_CTL_TB_REMOVE_CACHE)", err);
    }

    /** Drops every cached address translation (the soft TLB) of this engine: uc_ctl(UC_CTL_TLB_FLUSH). */
    public void flushTlb() {
        int err;
        try { err = (int) UC_CTL_0.invokeExact(handle, ctlWrite(UC_CTL_TLB_FLUSH, 0)); } catch (Throwable t) { throw rethrow(t); }
        check("uc_ctl(UC_CTL_TLB_FLUSH)", err);
    }

    /** Size of the buffer TCG translates into (uc_ctl_set_tcg_buffer_size); only before the first run. */
    public void setTcgBufferSize(int bytes) {
        int err;
        try { err = (int) UC_CTL_1I.invokeExact(handle, ctlWrite(UC_CTL_TCG_BUFFER_SIZE, 1), bytes); } catch (Throwable t) { throw rethrow(t); }
        check("uc_ctl(UC_CTL_TCG_BUFFER_SIZE)", err);
    }

    // ---- execution -----------------------------------------------------------------------

    /**
     * Runs from {@code begin} until {@code until} is reached, {@code count} instructions have run
     * (0 = no limit), {@code timeoutMicros} passed (0 = none) or a hook stopped emulation. A
     * throwable caught in a hook during the run is rethrown here.
     */
    public void start(long begin, long until, long timeoutMicros, long count) {
        check("uc_emu_start", startRaw(begin, until, timeoutMicros, count));
    }

    /**
     * Like {@link #start} but returns uc_emu_start's error code instead of throwing it: callers
     * decide what UNMAPPED or EXCEPTION mean. A throwable caught in a hook is still rethrown.
     */
    public int startRaw(long begin, long until, long timeoutMicros, long count) {
        pending = null;
        int err = emuStart0(begin, until, timeoutMicros, count);
        Throwable t = pending;
        if (t != null) {
            pending = null;
            if (t instanceof RuntimeException re) throw re;
            if (t instanceof Error e) throw e;
            throw new IllegalStateException("hook failed", t);
        }
        return err;
    }

    public void stop() {
        check("uc_emu_stop", emuStop0());
    }

    /**
     * uc_emu_stop from a thread other than the one running the engine, as Unicorn's own timeout
     * thread does it (it only sets a stop request and kicks the vCPU out of its loop). Errors are
     * ignored: the run may have ended meanwhile.
     */
    public void stopFromAnotherThread() {
        emuStop0();
    }

    /** Records a throwable from a hook and stops emulation; start() rethrows it. */
    public void fail(Throwable t) {
        if (pending == null) pending = t;
        emuStop0();
    }

    // ---- contexts ------------------------------------------------------------------------

    /** A saved CPU state (uc_context), a blob whose bytes the emulator may inspect and patch. */
    public final class Context {
        final MemorySegment ptr;
        private final MemorySegment bytes;

        private Context(MemorySegment ptr, long size) {
            this.ptr = ptr;
            this.bytes = ptr.reinterpret(size);
        }

        /** The whole blob, including libunicorn's 16-byte header. */
        public MemorySegment bytes() {
            return bytes;
        }
    }

    public long contextSize() {
        return (long) call(UC_CONTEXT_SIZE, handle);
    }

    public Context contextAlloc() {
        MemorySegment out = arena.allocate(ADDRESS);
        check("uc_context_alloc", (int) call(UC_CONTEXT_ALLOC, handle, out));
        MemorySegment ptr = out.get(ADDRESS, 0);
        keepAlive.add(ptr);
        return new Context(ptr, contextSize());
    }

    public void contextSave(Context c) {
        check("uc_context_save", ctx0(UC_CONTEXT_SAVE, c.ptr));
    }

    public void contextRestore(Context c) {
        check("uc_context_restore", ctx0(UC_CONTEXT_RESTORE, c.ptr));
    }

    // ---- hooks ---------------------------------------------------------------------------

    public long hookInterrupt(InterruptHook hook) {
        MethodHandle target = bind("intr", MethodType.methodType(void.class, InterruptHook.class, MemorySegment.class, int.class, MemorySegment.class), hook);
        return addHook(HOOK_INTR, upcall(target, FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, ADDRESS)), 1, 0);
    }

    public long hookSyscall(SyscallHook hook) {
        MethodHandle target = bind("syscall", MethodType.methodType(void.class, SyscallHook.class, MemorySegment.class, MemorySegment.class), hook);
        MemorySegment stub = upcall(target, FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
        MemorySegment out = arena.allocate(JAVA_LONG);
        check("uc_hook_add", (int) call(UC_HOOK_ADD_INSN, handle, out, HOOK_INSN, stub, MemorySegment.NULL, 1L, 0L, X86_INS_SYSCALL));
        return out.get(JAVA_LONG, 0);
    }

    /** Hooks instructions whose address lies in [begin, end] (inclusive, as libunicorn has it). */
    public long hookCode(long begin, long end, CodeHook hook) {
        if (codeStub == null) {
            MethodHandle target = bind("code", MethodType.methodType(void.class, Unicorn.class, MemorySegment.class, long.class, int.class, MemorySegment.class), this);
            codeStub = upcall(target, FunctionDescriptor.ofVoid(ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS));
        }
        long key = nextCodeHookKey++;
        codeHooks.put(key, hook);
        check("uc_hook_add", (int) call(UC_HOOK_ADD, handle, hookOut, HOOK_CODE, codeStub, MemorySegment.ofAddress(key), begin, end));
        long id = hookOut.get(JAVA_LONG, 0);
        codeHookKeys.put(id, key);
        return id;
    }

    public long hookUnmapped(UnmappedHook hook) {
        MethodHandle target = bind("unmapped", MethodType.methodType(boolean.class, UnmappedHook.class, MemorySegment.class, int.class, long.class, int.class, long.class, MemorySegment.class), hook);
        return addHook(HOOK_MEM_UNMAPPED, upcall(target, FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, ADDRESS)), 1, 0);
    }

    /**
     * A budget counter in native memory that {@link #hookCharge} hooks decrement: the run is
     * stopped when it goes below zero.
     */
    public final class Countdown {
        private final MemorySegment cell = arena.allocate(JAVA_LONG);

        private Countdown() {}

        public void set(long value) { cell.set(JAVA_LONG, 0, value); }
        public long get() { return cell.get(JAVA_LONG, 0); }
    }

    public Countdown countdown() {
        return new Countdown();
    }

    /**
     * Before each instruction whose address lies in [begin, end] (inclusive), subtracts
     * {@code weight} from {@code countdown} and stops emulation, before that instruction runs,
     * once it is below zero. The callback is native ({@link ChargeCode}): no upcall, no Java.
     */
    public long hookCharge(long begin, long end, Countdown countdown, long weight) {
        if (weight <= 0) throw new IllegalArgumentException("charge weight " + weight);
        if (chargeCode == null) chargeCode = new ChargeCode();
        MemorySegment record = freeChargeRecords.isEmpty() ? arena.allocate(24, 8) : freeChargeRecords.pop();
        record.set(ADDRESS, 0, countdown.cell);
        record.set(JAVA_LONG, 8, weight);
        record.set(ADDRESS, 16, UC_EMU_STOP_ENTRY);
        check("uc_hook_add", (int) call(UC_HOOK_ADD, handle, hookOut, HOOK_CODE, chargeCode.entry(), record, begin, end));
        long id = hookOut.get(JAVA_LONG, 0);
        chargeRecords.put(id, record);
        return id;
    }

    /** Deletes every code hook (a reused engine's previous owner's). */
    public void deleteCodeHooks() {
        for (Long id : List.copyOf(codeHookKeys.keySet())) hookDelete(id);
    }

    public void hookDelete(long hook) {
        check("uc_hook_del", (int) call(UC_HOOK_DEL, handle, hook));
        Long key = codeHookKeys.remove(hook);
        if (key != null) codeHooks.remove(key);   // libunicorn never calls a deleted hook again
        MemorySegment record = chargeRecords.remove(hook);
        if (record != null) freeChargeRecords.push(record);
    }

    private long addHook(int type, MemorySegment stub, long begin, long end) {
        check("uc_hook_add", (int) call(UC_HOOK_ADD, handle, hookOut, type, stub, MemorySegment.NULL, begin, end));
        return hookOut.get(JAVA_LONG, 0);
    }

    private MemorySegment upcall(MethodHandle target, FunctionDescriptor fd) {
        // The stub lives in this engine's arena, which is closed only after uc_close.
        return LINKER.upcallStub(target, fd, arena);
    }

    private MethodHandle bind(String name, MethodType type, Object hook) {
        try {
            MethodHandle mh = MethodHandles.lookup().findVirtual(Unicorn.class, name, type);
            return MethodHandles.insertArguments(mh.bindTo(this), 0, hook);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    // Upcall bodies: never let anything escape into native code.
    @SuppressWarnings("unused")
    private void intr(InterruptHook hook, MemorySegment uc, int intno, MemorySegment user) {
        try { hook.onInterrupt(intno); } catch (Throwable t) { fail(t); }
    }

    @SuppressWarnings("unused")
    private void syscall(SyscallHook hook, MemorySegment uc, MemorySegment user) {
        try { hook.onSyscall(); } catch (Throwable t) { fail(t); }
    }

    @SuppressWarnings("unused")
    private void code(Unicorn self, MemorySegment uc, long address, int size, MemorySegment user) {
        try {
            CodeHook hook = codeHooks.get(user.address());
            if (hook != null) hook.onCode(address, size);
        } catch (Throwable t) {
            fail(t);
        }
    }

    @SuppressWarnings("unused")
    private boolean unmapped(UnmappedHook hook, MemorySegment uc, int type, long address, int size, long value, MemorySegment user) {
        try { return hook.onUnmapped(type, address, size, value); } catch (Throwable t) { fail(t); return false; }
    }

    // ---- lifetime and plumbing -----------------------------------------------------------

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (MemorySegment ctx : keepAlive) call(UC_CONTEXT_FREE, ctx);
        call(UC_CLOSE, handle);
        if (chargeCode != null) chargeCode.close();
        arena.close();
    }

    public static String strerror(int code) {
        MemorySegment s = (MemorySegment) call(UC_STRERROR, code);
        return s.reinterpret(Long.MAX_VALUE).getString(0);
    }

    // Hot calls use invokeExact: invokeWithArguments boxes and costs microseconds.
    private int regRead0(int id) {
        try { return (int) UC_REG_READ.invokeExact(handle, id, scratch); } catch (Throwable t) { throw rethrow(t); }
    }

    private int regWrite0(int id) {
        try { return (int) UC_REG_WRITE.invokeExact(handle, id, scratch); } catch (Throwable t) { throw rethrow(t); }
    }

    private int emuStart0(long begin, long until, long timeout, long count) {
        try { return (int) UC_EMU_START.invokeExact(handle, begin, until, timeout, count); } catch (Throwable t) { throw rethrow(t); }
    }

    private int memRead0(long address, MemorySegment buf, long length) {
        try { return (int) UC_MEM_READ.invokeExact(handle, address, buf, length); } catch (Throwable t) { throw rethrow(t); }
    }

    private int emuStop0() {
        try { return (int) UC_EMU_STOP.invokeExact(handle); } catch (Throwable t) { throw rethrow(t); }
    }

    private int ctx0(MethodHandle mh, MemorySegment ctx) {
        try { return (int) mh.invokeExact(handle, ctx); } catch (Throwable t) { throw rethrow(t); }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException re) return re;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    private static void check(String what, int err) {
        if (err != 0) throw new UnicornException(what, err, strerror(err));
    }

    private static Object call(MethodHandle mh, Object... args) {
        try {
            return mh.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static MethodHandle h(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment symbol = LIB.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libunicorn has no " + name));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    /** Where the launcher installs Unicorn 2.1.4 from the Unicorn project's wheel (README, "Set-up"). */
    static final String ENV_LIBRARY = "ARENA_EMU_LIBUNICORN";

    /**
     * libunicorn 2.1.x: {@code $ARENA_EMU_LIBUNICORN}, else the launcher's cache
     * {@code ~/.cache/arena-emu/unicorn/2.1.4/libunicorn.so.2}. Never the system's libunicorn.so.2:
     * Debian's 2.0.1 ignores the frame in a PTE, which this machine depends on.
     */
    private static SymbolLookup openLibrary() {
        java.nio.file.Path path = libraryPath();
        if (!java.nio.file.Files.isRegularFile(path)) {
            throw new UnsatisfiedLinkError("libunicorn 2.1.4 not found at " + path + ": run ./arena-emu (it fetches the "
                + "Unicorn project's 2.1.4 wheel with pip and installs libunicorn.so.2 there), or set "
                + ENV_LIBRARY + " to a libunicorn.so.2 of version 2.1.x");
        }
        SymbolLookup lookup = SymbolLookup.libraryLookup(path, Arena.global());
        int version = version(lookup);
        if ((version >>> 24) != 2 || ((version >>> 16) & 0xff) < 1) {
            throw new UnsatisfiedLinkError(path + " is libunicorn " + (version >>> 24) + "." + ((version >>> 16) & 0xff)
                + ": arena-emu needs 2.1.x (2.0 ignores the frame a PTE names)");
        }
        return lookup;
    }

    /** uc_version(): major << 24 | minor << 16 | patch << 8 | extra. */
    private static int version(SymbolLookup lookup) {
        MethodHandle v = LINKER.downcallHandle(lookup.find("uc_version").orElseThrow(() -> new UnsatisfiedLinkError("uc_version missing")),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        try {
            return (int) v.invokeExact(MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            throw new UnsatisfiedLinkError("uc_version failed: " + t);
        }
    }

    /** The loaded library's version as "major.minor.patch". */
    public static String libraryVersion() {
        int v = version(LIB);
        return (v >>> 24) + "." + ((v >>> 16) & 0xff) + "." + ((v >>> 8) & 0xff);
    }

    static java.nio.file.Path libraryPath() {
        String env = System.getenv(ENV_LIBRARY);
        if (env != null && !env.isBlank()) return java.nio.file.Path.of(env);
        return java.nio.file.Path.of(System.getProperty("user.home"), ".cache", "arena-emu", "unicorn", "2.1.4", "libunicorn.so.2");
    }
}
