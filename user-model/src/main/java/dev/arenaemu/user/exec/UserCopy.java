package dev.arenaemu.user.exec;

import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.emulator.cpu.Cpu;
import dev.arenaemu.emulator.cpu.RunResult;
import dev.arenaemu.emulator.x86.X86Reg;
import dev.arenaemu.emulator.trap.FaultHandler;
import dev.arenaemu.user.mm.Mm;

import java.util.function.Supplier;

/**
 * copy_from_user / copy_to_user, as a syscall does them on behalf of a process: a CPL0
 * {@code rep movsb} on the CPU the process runs on, under its root, between the user address
 * and a bounce buffer at the bottom of that CPU's kernel stack. A fault on the user address goes
 * through the process's fault path; if it cannot be resolved, the exception-table fixup makes
 * the copy return -EFAULT and no signal is sent (the difference scenario 29 checks).
 */
public final class UserCopy {
    private static final int CHUNK = 32 * 1024;

    private final Mm mm;
    private final Supplier<Cpu> cpus;
    private final FaultHandler faults;
    private final UserStubs stubs;

    public UserCopy(Mm mm, Supplier<Cpu> cpus, FaultHandler faults, UserStubs stubs) {
        this.mm = mm;
        this.cpus = cpus;
        this.faults = faults;
        this.stubs = stubs;
    }

    /** The bytes read, or null with the errno. */
    public record Read(byte[] data, int errno) {}

    /** copy_from_user of {@code length} bytes at {@code src}. */
    public Read fromUser(long src, int length) {
        if (length < 0) throw new IllegalArgumentException("negative length " + length);
        byte[] out = new byte[length];
        Cpu cpu = cpus.get();
        long bounce = cpu.kernelStackBottom();
        for (int done = 0; done < length; ) {
            int n = Math.min(CHUNK, length - done);
            long rc = copy(cpu, bounce, src + done, n);
            if (rc != 0) return new Read(null, (int) rc);
            System.arraycopy(cpu.read(bounce, n), 0, out, done, n);
            done += n;
        }
        return new Read(out, 0);
    }

    /** copy_to_user of {@code data} at {@code dst}: 0 or -EFAULT (Errno.EFAULT.neg()). */
    public int toUser(long dst, byte[] data) {
        Cpu cpu = cpus.get();
        long bounce = cpu.kernelStackBottom();
        for (int done = 0; done < data.length; ) {
            int n = Math.min(CHUNK, data.length - done);
            cpu.write(bounce, java.util.Arrays.copyOfRange(data, done, done + n));
            long rc = copy(cpu, dst + done, bounce, n);
            if (rc != 0) return (int) rc;
            done += n;
        }
        return 0;
    }

    private long copy(Cpu cpu, long dst, long src, int n) {
        if (mm.dead()) throw new IllegalStateException(mm.name() + " has exited: its address space is gone");
        try (OnCpu on = OnCpu.kernel(mm, cpu, faults)) {
            cpu.reg(X86Reg.RDI, dst);
            cpu.reg(X86Reg.RSI, src);
            cpu.reg(X86Reg.RCX, n);
            RunResult r = cpu.run(stubs.uaccessCopy.address(), stubs.uaccessCopy.end(), new Budget(n + 64L, 0, 64 + n / 1024));
            // Anything but a return is a kernel oops: a fault the fault path and the fixup did not cover.
            if (!(r instanceof RunResult.Returned)) throw new IllegalStateException("uaccess oops: " + r);
            return cpu.reg(X86Reg.RAX);
        }
    }
}
