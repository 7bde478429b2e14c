package dev.arenaemu.emulator.ffm;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The native side of budget charges ({@link Unicorn#hookCharge}): a UC_HOOK_CODE callback of six
 * host x86-64 instructions in an executable page of its own.
 *
 * <p>Why native: a budget check runs before every counted instruction or at every loop head. A
 * Java upcall costs about 17 ns on this project's VM (a loop-head hook made the JIT'd list build
 * 1.27x slower); Unicorn's own instruction count instruments everything, and dropping it between
 * runs flushes every translation. This callback costs a call and a subtraction.
 *
 * <p>libunicorn calls {@code cb(uc, address, size, user_data)} (System V: rdi, rsi, edx, rcx);
 * {@code user_data} points at a charge record {@code {long *counter; long weight; void *stop}}:
 * <pre>
 *   mov  rax, [rcx]        ; the CPU's counter
 *   mov  rdx, [rcx+8]      ; this point's weight
 *   sub  [rax], rdx
 *   js   stop              ; budget spent: stop before this instruction runs
 *   ret
 * stop:
 *   jmp  [rcx+16]          ; tail call uc_emu_stop(uc); rdi still holds uc
 * </pre>
 * Unicorn checks for a stop request right after a code hook, so the instruction the hook stands
 * before does not run.
 */
final class ChargeCode implements AutoCloseable {
    private static final byte[] CODE = {
        0x48, (byte) 0x8B, 0x01,             // mov rax, [rcx]
        0x48, (byte) 0x8B, 0x51, 0x08,       // mov rdx, [rcx+8]
        0x48, 0x29, 0x10,                    // sub [rax], rdx
        0x78, 0x01,                          // js stop
        (byte) 0xC3,                         // ret
        (byte) 0xFF, 0x61, 0x10,             // stop: jmp [rcx+16]
    };
    private static final int PAGE = 4096;
    private static final int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
    private static final int MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MMAP = libc("mmap", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MPROTECT = libc("mprotect", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MUNMAP = libc("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));

    private final MemorySegment page;
    private boolean closed;

    /** Maps the page read-write, copies the code, then makes it read-execute (never both at once). */
    ChargeCode() {
        String arch = System.getProperty("os.arch");
        if (!arch.equals("amd64") && !arch.equals("x86_64")) {
            throw new UnsupportedOperationException("budget charges are x86-64 host code; this host is " + arch
                + " (the Unicorn wheel arena-emu installs is x86-64 only too)");
        }
        try {
            MemorySegment p = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, (long) PAGE, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
            if (p.address() == -1L) throw new IllegalStateException("mmap of the charge hook's page failed");
            page = p.reinterpret(PAGE);
            MemorySegment.copy(MemorySegment.ofArray(CODE), 0, page, 0, CODE.length);
            int err = (int) MPROTECT.invokeExact(page, (long) PAGE, PROT_READ | PROT_EXEC);
            if (err != 0) throw new IllegalStateException("mprotect of the charge hook's page failed");
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The callback's entry point, for uc_hook_add. */
    MemorySegment entry() {
        return page;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            int ignored = (int) MUNMAP.invokeExact(page, (long) PAGE);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static MethodHandle libc(String name, FunctionDescriptor fd) {
        MemorySegment symbol = LINKER.defaultLookup().find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, fd);
    }
}
