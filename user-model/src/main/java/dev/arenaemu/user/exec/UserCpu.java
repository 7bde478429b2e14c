package dev.arenaemu.user.exec;

import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.emulator.cpu.Cpu;
import dev.arenaemu.emulator.cpu.RunResult;
import dev.arenaemu.emulator.cpu.Stubs;
import dev.arenaemu.emulator.x86.X86Reg;
import dev.arenaemu.emulator.trap.FaultHandler;
import dev.arenaemu.emulator.trap.SyscallHandler;
import dev.arenaemu.user.Signal;
import dev.arenaemu.user.mm.Mm;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * User-mode execution of a process at CPL3 on the CPU it runs on: single loads and stores, block
 * copies and calls into user machine code. Everything is a real x86-64 instruction run by
 * Unicorn on that CPU after it loaded the process's root ({@link OnCpu}), so every access goes
 * through the process's page table, that CPU's TLB and the process's fault path.
 */
public final class UserCpu {
    private static final X86Reg[] ARG_REGS = {X86Reg.RDI, X86Reg.RSI, X86Reg.RDX, X86Reg.RCX, X86Reg.R8, X86Reg.R9};
    private static final X86Reg[] GPRS = {X86Reg.RAX, X86Reg.RBX, X86Reg.RCX, X86Reg.RDX, X86Reg.RSI, X86Reg.RDI, X86Reg.RBP, X86Reg.RSP,
        X86Reg.R8, X86Reg.R9, X86Reg.R10, X86Reg.R11, X86Reg.R12, X86Reg.R13, X86Reg.R14, X86Reg.R15};
    /** Single accesses cannot loop; a copy runs one iteration per byte. */
    private static final Budget ACCESS = new Budget(100, 0, 64);
    /**
     * Bytes per rep movsb of readBytes/writeBytes. On Unicorn 2.0.1 a single copy of 32 KiB or
     * more ran out of its instruction budget (length + 16) although it executes one iteration per
     * byte (seen when libbpf copied 8+ pages of __arena globals:
     * scenarios/selftests/verifier_arena_globals*); 16 KiB copies stayed within it. Not
     * re-measured on 2.1.4: the chunk is kept.
     */
    private static final int COPY_CHUNK = 16 * 1024;

    private final Mm mm;
    private final Supplier<Cpu> cpus;
    private final FaultHandler faults;
    private final SyscallHandler syscalls;
    private final UserStubs stubs;
    private final Supplier<Signal> lastSignal;
    private final Consumer<Signal> send;
    private final long stackTop;
    private final long scratch;
    /** The general-purpose registers as the last {@link #call} left them. */
    private final Map<X86Reg, Long> lastRegisters = new EnumMap<>(X86Reg.class);

    /**
     * {@code cpus}: the CPU the process runs on at the time of each access; {@code faults} and
     * {@code syscalls}: the process's handlers, installed on that CPU while its code runs;
     * {@code lastSignal}: the signal the fault path sent last; {@code send}: records a signal for
     * a CPU exception (#UD → SIGILL ...). {@code stackTop}: the initial RSP for calls; {@code scratch}: {@value #COPY_CHUNK} bytes of
     * the process's own memory that byte-array transfers stage through.
     */
    public UserCpu(Mm mm, Supplier<Cpu> cpus, FaultHandler faults, SyscallHandler syscalls, UserStubs stubs,
                   Supplier<Signal> lastSignal, Consumer<Signal> send, long stackTop, long scratch) {
        this.mm = mm;
        this.cpus = cpus;
        this.faults = faults;
        this.syscalls = syscalls;
        this.send = send;
        this.stubs = stubs;
        this.lastSignal = lastSignal;
        this.stackTop = stackTop;
        this.scratch = scratch;
    }

    /** A load of {@code size} (1, 2, 4, 8) bytes at {@code address}, zero-extended. */
    public UserResult load(long address, int size) {
        return run(stubs.load(size), ACCESS, false, cpu -> cpu.reg(X86Reg.RDI, address));
    }

    /** A store of the low {@code size} bytes of {@code value} at {@code address}. */
    public UserResult store(long address, int size, long value) {
        UserResult r = run(stubs.store(size), ACCESS, false, cpu -> {
            cpu.reg(X86Reg.RDI, address);
            cpu.reg(X86Reg.RSI, value);
        });
        return r instanceof UserResult.Value ? new UserResult.Value(0) : r;
    }

    /** {@code rep movsb}: copies {@code length} bytes from {@code src} to {@code dst} in user space. */
    public UserResult copy(long dst, long src, long length) {
        UserResult r = run(stubs.copy, new Budget(length + 16, 0, 64 + length / 4096 * 4), false, cpu -> {
            cpu.reg(X86Reg.RDI, dst);
            cpu.reg(X86Reg.RSI, src);
            cpu.reg(X86Reg.RCX, length);
        });
        return r instanceof UserResult.Value ? new UserResult.Value(length) : r;
    }

    /** Reads {@code length} bytes at CPL3 (copied into the scratch area, then taken from there). */
    public Bytes readBytes(long address, int length) {
        if (length < 0) throw new IllegalArgumentException("negative length " + length);
        byte[] out = new byte[length];
        for (int done = 0; done < length; ) {
            int n = Math.min(COPY_CHUNK, length - done);
            UserResult r = copy(scratch, address + done, n);
            if (!(r instanceof UserResult.Value)) return new Bytes(null, r);
            mm.anonymousBytes(scratch, n).read(0, out, done, n);
            done += n;
        }
        return new Bytes(out, new UserResult.Value(length));
    }

    /** Writes {@code data} at CPL3 (staged in the scratch area, then copied there by the CPU). */
    public UserResult writeBytes(long address, byte[] data) {
        for (int done = 0; done < data.length; ) {
            int n = Math.min(COPY_CHUNK, data.length - done);
            mm.anonymousBytes(scratch, n).write(0, data, done, n);
            UserResult r = copy(address + done, scratch, n);
            if (!(r instanceof UserResult.Value)) return r;
            done += n;
        }
        return new UserResult.Value(data.length);
    }

    /** The outcome of a {@link #readBytes}: the bytes, or null with how the read stopped. */
    public record Bytes(byte[] data, UserResult result) {}

    /**
     * Calls user machine code at {@code entry} with up to six arguments in the SysV registers
     * (rdi, rsi, rdx, rcx, r8, r9) on a fresh stack. A {@code ret} ends in exit(rax) via the
     * trampoline; the code may also exit itself ({@code syscall} with rax = 60).
     */
    public UserResult call(long entry, Budget budget, long... args) {
        if (args.length > ARG_REGS.length) throw new IllegalArgumentException("at most 6 register arguments");
        return run(stubs.callThenExit, budget, true, cpu -> {
            for (int i = 0; i < args.length; i++) cpu.reg(ARG_REGS[i], args[i]);
            cpu.reg(X86Reg.R11, entry);
            cpu.reg(X86Reg.RSP, stackTop);
        });
    }

    /** A general-purpose register as the last {@link #call} left it (0 before any call). */
    public long lastRegister(X86Reg reg) {
        return lastRegisters.getOrDefault(reg, 0L);
    }

    /** Runs {@code stub} at CPL3 on the process's CPU, with its registers set by {@code registers}. */
    private UserResult run(Stubs.Stub stub, Budget budget, boolean userCode, Consumer<Cpu> registers) {
        if (mm.dead()) throw new IllegalStateException(mm.name() + " has exited: its address space is gone");
        try (OnCpu on = OnCpu.user(mm, cpus.get(), faults, syscalls)) {
            Cpu cpu = on.cpu();
            registers.accept(cpu);
            if (userCode) cpu.ranUserCode();
            RunResult r = cpu.run(stub.address(), stub.end(), budget);
            if (userCode) for (X86Reg reg : GPRS) lastRegisters.put(reg, cpu.reg(reg));
            return switch (r) {
                case RunResult.Returned ret -> new UserResult.Value(cpu.reg(X86Reg.RAX));
                case RunResult.Exited e -> new UserResult.Exited(e.status());
                case RunResult.Delivered d -> {
                    Signal s = lastSignal.get();
                    yield s != null ? new UserResult.Signaled(s) : new UserResult.Trapped(14, d.fault().rip());
                }
                case RunResult.Trapped t -> {
                    Signal s = cpu.cpl() == 3 ? Signal.forTrap(t.vector(), t.rip()) : null;
                    if (s == null) yield new UserResult.Trapped(t.vector(), t.rip());
                    send.accept(s);
                    yield new UserResult.Signaled(s);
                }
                case RunResult.BudgetExhausted b -> new UserResult.OutOfBudget(b.limit(), b.rip());
            };
        }
    }
}
