package dev.arenaemu.user;

import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.emulator.cpu.Cpu;
import dev.arenaemu.emulator.x86.X86Reg;
import dev.arenaemu.emulator.trap.SyscallHandler;
import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.mm.MappableFile;
import dev.arenaemu.user.exec.UserCopy;
import dev.arenaemu.user.exec.UserCpu;
import dev.arenaemu.user.exec.UserResult;
import dev.arenaemu.user.mm.MapFlag;
import dev.arenaemu.user.mm.Mm;
import dev.arenaemu.user.mm.Mmap;
import dev.arenaemu.user.mm.Mprotect;
import dev.arenaemu.user.mm.Mremap;
import dev.arenaemu.user.mm.Prot;
import dev.arenaemu.user.mm.UserFault;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A user process: pid, address space ({@link Mm}), file descriptors (fd → mappable file), the
 * signals the kernel sent it, and the syscall-level API with Linux's return convention (an
 * address or 0 on success, {@code -errno} on failure).
 *
 * <p>It runs on one of the machine's CPUs at a time ({@link #runOn}; CPU 0 unless told
 * otherwise): that CPU loads its root and runs its code at CPL3. User code may call mmap (9),
 * mprotect (10), munmap (11), mremap (25) and exit (60/231) with {@code syscall}.
 */
public final class Process {
    public static final long STACK_SIZE = 256 * 1024;
    public static final long STACK_TOP = Mm.TASK_SIZE;
    /** Byte-array transfers stage through the lowest 64 KiB of the stack mapping. */
    private static final long SCRATCH = STACK_TOP - STACK_SIZE;

    private final Processes owner;
    private final int pid;
    private final Mm mm;
    private final Map<Integer, MappableFile> fds;
    private final List<Signal> signals = new ArrayList<>();
    private final UserCpu user;
    private final UserCopy uaccess;
    private Cpu cpu;
    private boolean exited;

    Process(Processes owner, int pid, Mm mm, Map<Integer, MappableFile> fds) {
        this.owner = owner;
        this.pid = pid;
        this.mm = mm;
        this.fds = fds;
        this.cpu = mm.machine().kernelCpu();
        UserFault faults = new UserFault(mm, signals::add);
        faults.setExtable(new UserFault.Extable(owner.stubs().uaccessCopy.address(), owner.stubs().uaccessCopy.end(), owner.stubs().uaccessFixup));
        this.user = new UserCpu(mm, this::cpu, faults, this::onSyscall, owner.stubs(), this::lastSignal, signals::add, STACK_TOP - 256, SCRATCH);
        this.uaccess = new UserCopy(mm, this::cpu, faults, owner.stubs());
    }

    void mapStack() {
        long at = Mmap.mmap(mm, STACK_TOP - STACK_SIZE, STACK_SIZE, Prot.RW,
            MapFlag.PRIVATE.bit | MapFlag.ANONYMOUS.bit | MapFlag.FIXED.bit, null, 0);
        if (at != STACK_TOP - STACK_SIZE) throw new IllegalStateException("stack mapping failed: " + Errno.describe(at));
    }

    public int pid() { return pid; }
    public Mm mm() { return mm; }
    /** The CPU this process runs on (its user code, its faults, its uaccess). */
    public Cpu cpu() { return cpu; }

    /**
     * Moves this process to CPU {@code index} for what it does next (a migration: the CPU it ran
     * on keeps this address space loaded, and its cached entries, until it loads another root).
     */
    public Process runOn(int index) {
        cpu = mm.machine().cpu(index);
        return this;
    }
    /** CPL3 accesses and calls into user code. */
    public UserCpu user() { return user; }
    /** copy_from_user / copy_to_user as a syscall on this process's behalf does them. */
    public UserCopy uaccess() { return uaccess; }
    public boolean exited() { return exited; }

    /** Signals sent so far, oldest first. */
    public List<Signal> signals() { return List.copyOf(signals); }

    public Signal lastSignal() { return signals.isEmpty() ? null : signals.getLast(); }

    // ---- file descriptors ------------------------------------------------------------------

    /**
     * fd_install at the lowest free descriptor ≥ 3 (0–2 are the standard streams). The fd table
     * takes over the caller's reference on {@code file} (for a BPF map: the one BPF_MAP_CREATE
     * returned); {@link #close} and {@link #exit} drop it with {@link MappableFile#putFile()}.
     */
    public int installFd(MappableFile file) {
        int fd = 3;
        while (fds.containsKey(fd)) fd++;
        fds.put(fd, file);
        return fd;
    }

    /**
     * close(2): 0 or -EBADF. The fd's reference goes (fput); mappings made through the fd stay,
     * since each holds its own (vm_file). For an arena, the last of fd, programs and mappings frees it
     * (docs/semantics.md#teardown, catalogue 68).
     */
    public int close(int fd) {
        MappableFile file = fds.remove(fd);
        if (file == null) return Errno.EBADF.neg();
        file.putFile();
        return 0;
    }

    Map<Integer, MappableFile> fdTable() { return fds; }

    // ---- memory syscalls -------------------------------------------------------------------

    /** mmap(2): the address or -errno. */
    public long mmap(long addr, long len, int prot, long flags, int fd, long offset) {
        requireAlive();
        MappableFile file = null;
        if (!MapFlag.has(flags, MapFlag.ANONYMOUS)) {
            if ((offset & (Mm.PAGE_SIZE - 1)) != 0) return Errno.EINVAL.neg();      // sys_mmap checks first
            file = fds.get(fd);
            if (file == null) return Errno.EBADF.neg();
        }
        return Mmap.mmap(mm, addr, len, prot, flags, file, offset);
    }

    public int munmap(long addr, long len) {
        requireAlive();
        return Mmap.munmap(mm, addr, len);
    }

    public int mprotect(long addr, long len, int prot) {
        requireAlive();
        return Mprotect.mprotect(mm, addr, len, prot);
    }

    public long mremap(long addr, long oldLen, long newLen, int flags, long newAddr) {
        requireAlive();
        return Mremap.mremap(mm, addr, oldLen, newLen, flags, newAddr);
    }

    /** fork(2): the child process (dup_mmap's address space, a copy of the fd table). */
    public Process fork() {
        requireAlive();
        return owner.fork(this);
    }

    /** exit(2): every mapping is unmapped (vm_ops->close on each), the address space freed. */
    public void exit() {
        if (exited) return;
        exited = true;
        mm.exit();                      // do_exit: exit_mm, then exit_files
        List<MappableFile> open = List.copyOf(fds.values());
        fds.clear();
        open.forEach(MappableFile::putFile);
        owner.exited(this);
    }

    // ---- code --------------------------------------------------------------------------------

    /**
     * Loads user machine code the way a loader does: an anonymous RW mapping, the bytes written
     * with copy_to_user, then mprotect to R+X. Returns the code's address or -errno.
     */
    public long loadCode(byte[] code) {
        long at = mmap(0, code.length, Prot.RW, MapFlag.PRIVATE.bit | MapFlag.ANONYMOUS.bit, -1, 0);
        if (Errno.isErrValue(at)) return at;
        int rc = uaccess.toUser(at, code);
        if (rc != 0) return rc;
        mm.machine().userCodePlaced(cpu);
        rc = mprotect(at, code.length, Prot.RX);
        return rc != 0 ? rc : at;
    }

    /** Calls the code at {@code entry} with register arguments; see {@link UserCpu#call}. */
    public UserResult call(long entry, Budget budget, long... args) {
        return user.call(entry, budget, args);
    }

    /** A dead process has no CPU left to run or map anything on. */
    private void requireAlive() {
        if (exited) throw new IllegalStateException(this + " has exited");
    }

    private SyscallHandler.Action onSyscall(Cpu cpu) {
        long nr = cpu.reg(X86Reg.RAX);
        if (nr == 60 || nr == 231) return SyscallHandler.Action.EXIT;                 // exit, exit_group
        long a0 = cpu.reg(X86Reg.RDI), a1 = cpu.reg(X86Reg.RSI), a2 = cpu.reg(X86Reg.RDX);
        long a3 = cpu.reg(X86Reg.R10), a4 = cpu.reg(X86Reg.R8), a5 = cpu.reg(X86Reg.R9);
        long ret = switch ((int) nr) {
            case 9 -> mmap(a0, a1, (int) a2, a3, (int) a4, a5);
            case 10 -> mprotect(a0, a1, (int) a2);
            case 11 -> munmap(a0, a1);
            case 25 -> mremap(a0, a1, a2, (int) a3, a4);
            default -> -38;                                                          // -ENOSYS
        };
        cpu.reg(X86Reg.RAX, ret);
        return SyscallHandler.Action.RESUME;
    }

    @Override
    public String toString() {
        return "Process[pid " + pid + (exited ? ", exited" : "") + "]";
    }
}
