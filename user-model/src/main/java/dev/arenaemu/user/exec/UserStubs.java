package dev.arenaemu.user.exec;

import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.emulator.cpu.Stubs;

/**
 * The few instructions user accesses are made of, placed once per machine: CPL3 loads and stores
 * of 1/2/4/8 bytes, a block copy, a call trampoline that turns a {@code ret} from user code into
 * exit(rax), and the kernel's uaccess copy with its exception-table fixup. Hand-encoded; each
 * stub is a single instruction (or a short straight line) so the faulting RIP names the access.
 */
public final class UserStubs {
    // CPL3, argument in rdi (address) and rsi (value to store); loads leave the value in rax.
    private static final byte[] LOAD8 = {0x0F, (byte) 0xB6, 0x07};          // movzx eax, byte [rdi]
    private static final byte[] LOAD16 = {0x0F, (byte) 0xB7, 0x07};         // movzx eax, word [rdi]
    private static final byte[] LOAD32 = {(byte) 0x8B, 0x07};               // mov eax, [rdi]
    private static final byte[] LOAD64 = {0x48, (byte) 0x8B, 0x07};         // mov rax, [rdi]
    private static final byte[] STORE8 = {0x40, (byte) 0x88, 0x37};         // mov [rdi], sil
    private static final byte[] STORE16 = {0x66, (byte) 0x89, 0x37};        // mov [rdi], si
    private static final byte[] STORE32 = {(byte) 0x89, 0x37};              // mov [rdi], esi
    private static final byte[] STORE64 = {0x48, (byte) 0x89, 0x37};        // mov [rdi], rsi
    private static final byte[] COPY = {(byte) 0xF3, (byte) 0xA4};          // rep movsb  (rdi ← rsi, rcx bytes)
    private static final byte[] CALL_THEN_EXIT = {
        0x41, (byte) 0xFF, (byte) 0xD3,                                     // call r11
        0x48, (byte) 0x89, (byte) 0xC7,                                     // mov rdi, rax
        (byte) 0xB8, 0x3C, 0x00, 0x00, 0x00,                                // mov eax, 60 (exit)
        0x0F, 0x05,                                                         // syscall
        0x0F, 0x0B};                                                        // ud2 (never reached)
    // CPL0 copy_from_user / copy_to_user: rdi ← rsi, rcx bytes; rax = 0 or -EFAULT.
    private static final byte[] UACCESS_COPY = {
        (byte) 0xF3, (byte) 0xA4,                                           // rep movsb       (may fault)
        0x31, (byte) 0xC0,                                                  // xor eax, eax
        (byte) 0xEB, 0x07,                                                  // jmp end
        0x48, (byte) 0xC7, (byte) 0xC0, (byte) 0xF2, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};  // fixup: mov rax, -14
    private static final int UACCESS_FIXUP_OFFSET = 6;

    public final Stubs.Stub load8, load16, load32, load64, store8, store16, store32, store64, copy, callThenExit;
    public final Stubs.Stub uaccessCopy;
    /** The fixup of {@link #uaccessCopy}: a fault in its {@code rep movsb} resumes here. */
    public final long uaccessFixup;

    public UserStubs(Machine machine) {
        Stubs s = machine.stubs();
        // Each access is followed by a jmp to the shared user exit (its `end`): a block that
        // falls through into `until` is translated again on every run (emulator/docs/costs.md).
        load8 = s.userThenExit(LOAD8);
        load16 = s.userThenExit(LOAD16);
        load32 = s.userThenExit(LOAD32);
        load64 = s.userThenExit(LOAD64);
        store8 = s.userThenExit(STORE8);
        store16 = s.userThenExit(STORE16);
        store32 = s.userThenExit(STORE32);
        store64 = s.userThenExit(STORE64);
        copy = s.userThenExit(COPY);
        callThenExit = s.user(CALL_THEN_EXIT);
        uaccessCopy = s.kernel(UACCESS_COPY);
        uaccessFixup = uaccessCopy.address() + UACCESS_FIXUP_OFFSET;
    }

    public Stubs.Stub load(int size) {
        return switch (size) {
            case 1 -> load8;
            case 2 -> load16;
            case 4 -> load32;
            case 8 -> load64;
            default -> throw new IllegalArgumentException("access size must be 1, 2, 4 or 8: " + size);
        };
    }

    public Stubs.Stub store(int size) {
        return switch (size) {
            case 1 -> store8;
            case 2 -> store16;
            case 4 -> store32;
            case 8 -> store64;
            default -> throw new IllegalArgumentException("access size must be 1, 2, 4 or 8: " + size);
        };
    }
}
