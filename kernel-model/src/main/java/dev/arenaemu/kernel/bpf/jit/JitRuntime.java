package dev.arenaemu.kernel.bpf.jit;

import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.emulator.cpu.Cpu;
import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.emulator.cpu.RunResult;
import dev.arenaemu.emulator.x86.X86Reg;
import dev.arenaemu.emulator.memory.HostBuffer;
import dev.arenaemu.emulator.paging.PteFlag;
import dev.arenaemu.emulator.trap.FaultHandler;
import dev.arenaemu.emulator.x86.X86Assembler;
import dev.arenaemu.kernel.bpf.isa.Insn;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads JIT images into kernel memory and runs them on the machine's kernel CPU, the role of
 * {@code bpf_jit_binary_pack_alloc} plus {@code bpf_prog_run}.
 *
 * <p>Module area at {@link #MODULE_VA} (one host buffer, supervisor PTEs): the first page holds
 * call trampolines, then program images; the buffer's last MiB is writable kernel memory for
 * callers that need to hand a program a buffer ({@link #kernelData}: map structs, array values),
 * mapped at {@link #DATA_VA}.
 *
 * <p>Each helper/kfunc gets a 16-byte trampoline slot; a code hook on the slot's first byte
 * reads rdi, rsi, rdx, rcx, r8, asks the {@link CallDispatcher}, writes rax and sets r11 when the
 * callee removed kernel PTEs, in which case the slot reloads CR3 (a guest TLB flush) before
 * {@code ret}: r11 is scratch for JIT code across calls.
 */
public final class JitRuntime {
    /** The start of the module area, where execmem puts JIT text. */
    public static final long MODULE_VA = Machine.MODULES_VADDR;
    private static final long TEXT_SIZE = 64L << 20;   // reclaiming needs a slow full translation flush: make it rare
    private static final long DATA_SIZE = 1L << 20;
    /**
     * Where the data area is mapped: x86-64's direct map (PAGE_OFFSET with 4-level paging, no
     * KASLR), where a real kernel's kmalloc'd map structs and values are. Not in the top 2 GiB
     * with the text: an address there fits a sign-extended imm32, so the JIT's ld_imm64 of a
     * map would be the 7-byte {@code mov r64, simm32} where the kernel's is a 10-byte movabs
     * (emit_mov_imm64 picks the form by value), and the images would differ in length.
     */
    public static final long DATA_VA = 0xFFFF_8880_0000_0000L;
    private static final int TRAMPOLINE_AREA = 4096;
    private static final int SLOT = 16;
    /** A run's stack starts this far below the top of its CPU's kernel stack: return address just below, 16-byte aligned frame. */
    private static final long RUN_STACK_GAP = 0x100;

    private final Machine machine;
    /** The CPU programs run on now (the CPU of the step): see {@link #onCpu}. */
    private Cpu cpu;
    private final HostBuffer area;
    private final CallDispatcher dispatcher;
    private final Map<CallTarget, Integer> slots = new HashMap<>();
    private final List<CallTarget> slotTargets = new ArrayList<>();
    private final List<LoadedProgram> programs = new ArrayList<>();
    /**
     * Each loaded program's charge hooks (budget, see {@link ChargePoints}) on the CPUs it ran on.
     * A CPU gets them before the program first runs there, which is before it can have translated
     * the program's code: a CPU that never runs a program never carries its hooks (a deleted hook
     * stays in libunicorn's lists until that engine runs again).
     */
    private final Map<LoadedProgram, Map<Cpu, List<Long>>> chargeHooks = new java.util.IdentityHashMap<>();
    private final long textSize;
    /** Where the next image goes: never where code was placed before, even by an earlier runtime of a reset machine. */
    private long textNext;
    private long reclaims;
    private long dataNext;
    private long calls;

    public JitRuntime(Machine machine, CallDispatcher dispatcher) {
        this(machine, dispatcher, TEXT_SIZE);
    }

    /** With a text area of {@code textSize} bytes (a multiple of 4 KiB, trampoline page included). */
    JitRuntime(Machine machine, CallDispatcher dispatcher, long textSize) {
        if (textSize % 4096 != 0 || textSize <= TRAMPOLINE_AREA) throw new IllegalArgumentException("text size " + textSize);
        this.textSize = textSize;
        this.machine = machine;
        this.cpu = machine.kernelCpu();
        this.dispatcher = dispatcher;
        this.area = machine.allocate("bpf module area", textSize + DATA_SIZE);
        mapText(0, TRAMPOLINE_AREA);
        this.textNext = Math.max(TRAMPOLINE_AREA, machine.codeHighWater(MODULE_VA));
        for (long off = textSize; off < area.size(); off += 4096) machine.kernelPageTable().map(DATA_VA + off - textSize, area.phys(off), PteFlag.RW | PteFlag.NX);
        for (Cpu each : machine.kernelCpus()) each.hookCode(MODULE_VA, MODULE_VA + TRAMPOLINE_AREA - 1, (address, size) -> onTrampoline(each, address));
    }

    public Machine machine() { return machine; }
    public Cpu cpu() { return cpu; }

    /**
     * Runs later programs and kernel calls on kernel CPU {@code index}: the CPU a scenario step
     * names. Each CPU keeps its own TLB and translated code; JIT text, trampolines and the fault
     * handler are the same on every CPU.
     */
    public void onCpu(int index) {
        cpu = machine.cpu(index);
    }
    /** Helper/kfunc calls made through trampolines since creation. */
    public long callCount() { return calls; }

    /** Installs {@link JitFaultHandler} on every kernel CPU; faults it does not own go to {@code fallback}. */
    public JitFaultHandler installFaultHandler(FaultHandler fallback) {
        JitFaultHandler handler = new JitFaultHandler(this, fallback);
        for (Cpu each : machine.kernelCpus()) each.setFaultHandler(handler);
        return handler;
    }

    // ---- loading ----------------------------------------------------------------------------

    /** JITs {@code insns} and places the image; the program's name appears in fault reports. */
    public LoadedProgram load(String name, List<Insn> insns, JitOptions options) {
        return place(name, BpfJit.compile(insns, options));
    }

    public synchronized LoadedProgram place(String name, JitImage image) {
        int reserved = (image.code().length + 63) & ~63;
        if (textNext + reserved > textSize) reclaim();
        if (textNext + reserved > textSize) throw new IllegalStateException("module area full");
        long address = MODULE_VA + textNext;
        mapText(textNext, reserved);
        textNext += reserved;
        machine.codeHighWater(MODULE_VA, textNext);
        byte[] code = image.linkAt(address, this::trampoline);
        cpu.write(address, code);
        LoadedProgram program = new LoadedProgram(name, image, address, reserved);
        programs.add(program);
        chargeHooks.put(program, new java.util.IdentityHashMap<>());
        return program;
    }

    /** Hooks the program's charge points on {@code on} unless they are there already. */
    private synchronized void chargeOn(LoadedProgram program, Cpu on) {
        Map<Cpu, List<Long>> byCpu = chargeHooks.get(program);
        if (byCpu == null || byCpu.containsKey(on)) return;
        ChargePoints points = program.image().charges();
        List<Long> ids = new ArrayList<>();
        for (int k = 0; k < points.insns().length; k++) {
            ids.add(on.chargeAt(program.address() + program.image().insnOffsets()[points.insns()[k]], points.weights()[k]));
        }
        byCpu.put(on, ids);
    }

    /** Read-only, executable kernel PTEs for the text pages of [offset, offset + length), as execmem maps what it hands out. */
    private void mapText(long offset, long length) {
        for (long page = offset & ~0xFFFL; page < offset + length; page += 4096) {
            if (machine.kernelPageTable().entry(MODULE_VA + page) == 0) machine.kernelPageTable().map(MODULE_VA + page, area.phys(page), 0);
        }
    }

    /**
     * Forgets a program. Its bytes are not reused right away: placing new code where translated
     * code ran needs a translation flush, so space is only reclaimed when the area fills up.
     */
    public synchronized void unload(LoadedProgram program) {
        programs.remove(program);
        Map<Cpu, List<Long>> byCpu = chargeHooks.remove(program);
        if (byCpu != null) byCpu.forEach((on, ids) -> ids.forEach(on::unhook));
    }

    /** Space after the last loaded program becomes free again; every stale translation is dropped. */
    private void reclaim() {
        long end = TRAMPOLINE_AREA;
        for (LoadedProgram p : programs) end = Math.max(end, p.address() + p.reservedSize() - MODULE_VA);
        textNext = end;
        machine.codeHighWater(MODULE_VA, textNext);
        for (Cpu each : machine.kernelCpus()) each.flushTranslations();
        reclaims++;
    }

    /** How often the text area was reclaimed (each time all translations were flushed). */
    public synchronized long reclaimCount() { return reclaims; }

    /** The loaded program whose image contains {@code rip}, or null. */
    public synchronized LoadedProgram programAt(long rip) {
        for (LoadedProgram p : programs) if (p.contains(rip)) return p;
        return null;
    }

    /** Writable kernel memory of {@code size} bytes (8-byte aligned), filled with {@code bytes}. */
    public synchronized long kernelData(byte[] bytes) {
        long at = (dataNext + 7) & ~7L;
        if (at + bytes.length > DATA_SIZE) throw new IllegalStateException("kernel data area full");
        dataNext = at + bytes.length;
        long va = DATA_VA + at;
        cpu.write(va, bytes);
        return va;
    }

    public byte[] readKernel(long va, int length) {
        return cpu.read(va, length);
    }

    // ---- running ------------------------------------------------------------------------------

    /** How a run ended: R0 on return, or the machine-level result otherwise (oops, budget). */
    public sealed interface Outcome {
        record Returned(long r0) implements Outcome {}
        record Failed(RunResult result) implements Outcome {}
    }

    /** Calls the program with R1..R5 = {@code args} (missing ones are 0) as bpf_prog_run does. */
    public Outcome run(LoadedProgram program, Budget budget, long... args) {
        if (args.length > 5) throw new IllegalArgumentException("at most 5 arguments");
        chargeOn(program, cpu);
        X86Reg[] argRegs = {X86Reg.RDI, X86Reg.RSI, X86Reg.RDX, X86Reg.RCX, X86Reg.R8};
        for (int i = 0; i < 5; i++) cpu.reg(argRegs[i], i < args.length ? args[i] : 0);
        long ret = machine.stubs().kernelReturn().address();
        long rsp = cpu.kernelStackTop() - RUN_STACK_GAP - 8;
        cpu.write(rsp, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(ret).array());
        cpu.reg(X86Reg.RSP, rsp);
        RunResult r = cpu.run(program.address(), ret, budget);
        if (r instanceof RunResult.Returned) return new Outcome.Returned(cpu.reg(X86Reg.RAX));
        return new Outcome.Failed(r);
    }

    /** The frame pointer (BPF R10) the main function of a run on CPU 0 gets: the stack bytes are [fp-512, fp). */
    public static long mainFramePointer() {
        return framePointerBelow(Machine.kernelStackTop(0));
    }

    /** The frame pointer of a run on the CPU programs run on now: each CPU has its own kernel stack. */
    public long framePointer() {
        return framePointerBelow(cpu.kernelStackTop());
    }

    private static long framePointerBelow(long stackTop) {
        return stackTop - RUN_STACK_GAP - 8 - 8;   // return address, then push rbp
    }

    // ---- trampolines --------------------------------------------------------------------------

    private synchronized long trampoline(CallTarget target) {
        Integer slot = slots.get(target);
        if (slot == null) {
            slot = slotTargets.size();
            if ((slot + 1) * SLOT > TRAMPOLINE_AREA) throw new IllegalStateException("too many call targets");
            slots.put(target, slot);
            slotTargets.add(target);
            cpu.write(MODULE_VA + (long) slot * SLOT, trampolineCode());   // these bytes never ran
        }
        return MODULE_VA + (long) slot * SLOT;
    }

    /** nop (hooked) ; test r11, r11 ; jz ret ; mov r11, cr3 ; mov cr3, r11 ; ret */
    private static byte[] trampolineCode() {
        X86Assembler a = new X86Assembler();
        a.emit8(0x90);
        a.test(true, X86Assembler.R11, X86Assembler.R11);
        X86Assembler.Label ret = a.newLabel();
        a.jccShort(X86Assembler.Cond.E, ret);
        a.movFromCr(X86Assembler.R11, 3);
        a.movToCr(3, X86Assembler.R11);
        a.bind(ret);
        a.ret();
        return a.toByteArray();
    }

    private void onTrampoline(Cpu cpu, long address) {
        long offset = address - MODULE_VA;
        if (offset % SLOT != 0) return;
        CallTarget target;
        synchronized (this) {
            target = slotTargets.get((int) (offset / SLOT));
        }
        calls++;
        CallResult result = dispatcher.call(target, cpu.reg(X86Reg.RDI), cpu.reg(X86Reg.RSI), cpu.reg(X86Reg.RDX),
            cpu.reg(X86Reg.RCX), cpu.reg(X86Reg.R8));
        cpu.reg(X86Reg.RAX, result.r0());
        cpu.reg(X86Reg.R11, result.flushKernelTlb() ? 1 : 0);
    }
}
