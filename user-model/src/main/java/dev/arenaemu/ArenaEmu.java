package dev.arenaemu;

import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.kernel.Kernel;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.arena.ArenaAttr;
import dev.arenaemu.kernel.bpf.BpfMap;
import dev.arenaemu.kernel.bpf.BpfProg;
import dev.arenaemu.kernel.bpf.BpfSyscall;
import dev.arenaemu.kernel.bpf.ProgLoadAttr;
import dev.arenaemu.kernel.bpf.asm.Assembler;
import dev.arenaemu.user.Process;
import dev.arenaemu.user.Processes;

import java.util.Map;

/**
 * One booted system: the emulated x86-64 machine, the modelled kernel of one era on it, that
 * kernel's bpf(2) syscall, and the user processes. This is the object to start from in one's own
 * code and tests (docs/library.md):
 *
 * <pre>{@code
 * try (ArenaEmu emu = ArenaEmu.boot(KernelEra.LATEST)) {
 *     BpfMap.ArenaMap arena = emu.createArena("arena", ArenaAttr.of(16, 0, 0));
 *     Process p = emu.spawn();
 *     long base = p.mmap(0, 16 * 4096, Prot.RW, MapFlag.SHARED.bit, p.installFd(arena), 0);
 *     p.user().store(base, 8, 42);                          // a CPL3 store: #PF, arena_vm_fault, retry
 *     long seen = emu.bpfRead(arena, base, 8);              // 42: what a BPF program reads there
 * }
 * }</pre>
 *
 * <p>The parts are made by protected factory methods, in dependency order, from the constructor:
 * {@link #createMachine}, {@link #createKernel}, {@link #createBpfSyscall}, {@link #createProcesses}
 * (the shape of Ghidra's PcodeEmulator). A subclass overrides one to put its own part in place,
 * e.g. a kernel with fault injection armed before the first allocation. The factories run before
 * the subclass's own fields are set, so an override works from its parameters only; what it needs
 * beyond them belongs in {@link BootOptions}.
 *
 * <p>There is one bpf syscall per kernel (it owns the machine's JIT module area and the kernel
 * CPUs' fault handler): get it from {@link #bpf()}, never construct a second one on {@link #kernel()}.
 *
 * <p>Not thread-safe: one thread uses a system at a time, as one thread uses a {@link Machine}.
 */
public class ArenaEmu implements AutoCloseable {
    private final BootOptions options;
    private final Machine machine;
    private final Kernel kernel;
    private final BpfSyscall bpf;
    private final Processes processes;
    private boolean closed;

    /**
     * Boots the system {@code options} describe: machine, kernel, bpf syscall, processes. If a
     * later part fails, the machine is closed before the exception leaves.
     */
    @SuppressWarnings("this-escape")   // the factories are meant to be overridden; see the class comment
    public ArenaEmu(BootOptions options) {
        this.options = options;
        this.machine = createMachine(options);
        try {
            this.kernel = createKernel(machine, options);
            this.bpf = createBpfSyscall(kernel);
            this.processes = createProcesses(kernel);
        } catch (RuntimeException | Error e) {
            machine.close();
            throw e;
        }
    }

    /** A system of {@code era} with the defaults of {@link BootOptions#of(KernelEra)}. */
    public static ArenaEmu boot(KernelEra era) {
        return new ArenaEmu(BootOptions.of(era));
    }

    /** A system of the era named "v6.13", "v7.0", "latest" ... (see {@link BootOptions#of(String)}). */
    public static ArenaEmu boot(String era) {
        return new ArenaEmu(BootOptions.of(era));
    }

    public static ArenaEmu boot(BootOptions options) {
        return new ArenaEmu(options);
    }

    // ---- factories -----------------------------------------------------------------------------

    /** The machine: one from {@link BootOptions#pool()} when there is one, else a new one. */
    protected Machine createMachine(BootOptions options) {
        return options.pool() == null ? new Machine(options.cpus()) : options.pool().take(options.cpus());
    }

    /** The kernel on {@code machine}; it takes its page-allocator RAM from the machine at once. */
    protected Kernel createKernel(Machine machine, BootOptions options) {
        return new Kernel(machine, options.era(), options.ramBytes(), options.capabilities(), options.freePolicy());
    }

    /** The kernel's bpf(2): maps the JIT module area and installs the kernel CPUs' fault dispatch. */
    protected BpfSyscall createBpfSyscall(Kernel kernel) {
        return new BpfSyscall(kernel);
    }

    /** The process table: user stubs and the anonymous-memory pool every process shares. */
    protected Processes createProcesses(Kernel kernel) {
        return new Processes(kernel);
    }

    // ---- the parts -----------------------------------------------------------------------------

    public BootOptions options() { return options; }
    public KernelEra era() { return kernel.era(); }
    public Machine machine() { return machine; }
    public Kernel kernel() { return kernel; }
    public BpfSyscall bpf() { return bpf; }
    public Processes processes() { return processes; }

    /** A new process: an empty address space with its stack, what exec leaves. */
    public Process spawn() {
        requireOpen();
        return processes.spawn();
    }

    public boolean isClosed() { return closed; }

    // ---- what tests of arena code do again and again ------------------------------------------

    /**
     * BPF_MAP_CREATE of an arena; an {@link IllegalStateException} naming the errno if it fails
     * (use {@code bpf().mapCreateArena} to see the errno). The caller holds the creator's
     * reference until an fd table takes it over ({@link Process#installFd}).
     */
    public BpfMap.ArenaMap createArena(String name, ArenaAttr attr) {
        requireOpen();
        return (BpfMap.ArenaMap) bpf.mapCreateArena(name, attr).orThrow();
    }

    /**
     * The {@code size}-byte value (1, 2, 4 or 8) a BPF program reads at {@code address}, a user
     * address of {@code arena}: a syscall program that turns the address into the kernel's view
     * of the page (addr_space_cast to kern_vm_start + lo32, docs/semantics.md#kernel-side-access)
     * and loads from there is loaded, test-run once and released. A page no one populated reads 0
     * (the JIT's exception table fixes the load up), as in the kernel.
     */
    public long bpfRead(BpfMap.ArenaMap arena, long address, int size) {
        requireOpen();
        String width = switch (size) {
            case 1 -> "u8";
            case 2 -> "u16";
            case 4 -> "u32";
            case 8 -> "u64";
            default -> throw new IllegalArgumentException("size " + size + ": 1, 2, 4 or 8");
        };
        BpfProg prog = bpf.progLoad(Assembler.assemble("bpf_read", "syscall", """
            r1 = map[arena] ll
            r2 = 0x%x ll
            r2 = addr_space_cast(r2, 0x0, 0x1)
            r0 = *(%s *)(r2 + 0x0)
            exit
            """.formatted(address, width)), Map.of("arena", arena), ProgLoadAttr.DEFAULT).orThrow();
        try {
            return bpf.progTestRun(prog).r0();
        } finally {
            bpf.progRelease(prog);
        }
    }

    private void requireOpen() {
        if (closed) throw new IllegalStateException("this system is closed");
    }

    // ---- shutdown ------------------------------------------------------------------------------

    /**
     * Shuts the system down as a real one would: every live process exits (its fds and mappings
     * drop their map references), every loaded program is released; then the machine goes back to
     * its pool, reset, or is closed. Maps whose creator reference the caller still holds (a
     * {@code mapCreateArena} result never installed in an fd table) are not released here: their
     * memory goes with the machine. If shutting down throws, the machine is closed, not reused.
     * Idempotent.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            for (Process p : processes.live()) p.exit();
            for (BpfProg p : bpf.progs()) bpf.progRelease(p);
        } catch (RuntimeException | Error e) {
            machine.close();
            throw e;
        }
        releaseMachine(machine);
    }

    /**
     * Closes the machine without shutting anything down and without giving it back to a pool: for
     * a system whose state is not to be trusted any more (an exception left a run half-way).
     * Idempotent; {@link #close()} afterwards does nothing.
     */
    public void discard() {
        if (closed) return;
        closed = true;
        machine.close();
    }

    /** The machine after shutdown: back to {@link BootOptions#pool()} (which resets it) or closed. */
    protected void releaseMachine(Machine machine) {
        if (options.pool() != null) options.pool().give(machine);
        else machine.close();
    }
}
