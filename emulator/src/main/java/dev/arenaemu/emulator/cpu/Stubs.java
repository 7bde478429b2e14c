package dev.arenaemu.emulator.cpu;

import dev.arenaemu.emulator.memory.HostBuffer;

/**
 * Small pieces of guest code the machine itself needs, placed in two pages it owns: kernel text
 * (supervisor, at {@link Machine#KERNEL_TEXT_VA}) and a user-executable page in the shared upper
 * half (at {@link Machine#VSYSCALL_VA}, where Linux keeps its legacy vsyscall page).
 *
 * <p>Other modules place their own stubs (trampolines, user access routines) with
 * {@link #kernel(byte[])} and {@link #user(byte[])}.
 */
public final class Stubs {
    /** A stub's first byte and the address just past it (a run's {@code until}). */
    public record Stub(long address, long end) {}

    private static final byte[] INVLPG_RDI = {0x0F, 0x01, 0x3F};                                      // invlpg [rdi]
    private static final byte[] RELOAD_CR3 = {0x0F, 0x20, (byte) 0xD8, 0x0F, 0x22, (byte) 0xD8};       // mov rax,cr3; mov cr3,rax
    private static final byte[] IRETQ_ENTRY = {
        0x6A, 0x1B,                         // push 0x1b        (user SS)
        0x56,                               // push rsi         (user RSP)
        0x68, 0x02, 0x02, 0x00, 0x00,       // push 0x202       (RFLAGS: IF)
        0x6A, 0x23,                         // push 0x23        (user CS)
        0x57,                               // push rdi         (user RIP)
        0x48, (byte) 0xCF};                 // iretq
    private static final byte[] HLT = {(byte) 0xF4};
    private static final byte[] NOP = {(byte) 0x90};

    private final HostBuffer kernelText;
    private final long kernelTextVa;
    private final long kernelTextSize;
    private final HostBuffer userText;
    private final long userTextVa;
    private long kernelNext;
    private long userNext;

    private final Stub invlpg, reloadCr3, iretqEntry, kernelReturn, userPark;

    Stubs(HostBuffer kernelText, long kernelTextVa, long kernelTextSize, HostBuffer userText, long userTextVa) {
        this.kernelText = kernelText;
        this.kernelTextVa = kernelTextVa;
        this.kernelTextSize = kernelTextSize;
        this.userText = userText;
        this.userTextVa = userTextVa;
        invlpg = kernel(INVLPG_RDI);
        reloadCr3 = kernel(RELOAD_CR3);
        iretqEntry = kernel(IRETQ_ENTRY);
        kernelReturn = kernel(HLT);
        // The park stub is iretq's target and the `until` of that run, at a page start on
        // purpose: Cpu absorbs Unicorn's probe of the page before a page-aligned `until`.
        userPark = user(NOP);
    }

    /** Places supervisor code in kernel text. */
    public synchronized Stub kernel(byte[] code) {
        long at = align(kernelNext);
        if (at + code.length > kernelTextSize) throw new IllegalStateException("kernel text full");
        kernelText.memory().asSlice(at, code.length).copyFrom(java.lang.foreign.MemorySegment.ofArray(code));
        kernelNext = at + code.length;
        return new Stub(kernelTextVa + at, kernelTextVa + at + code.length);
    }

    /** Places code that CPL3 may execute. */
    public synchronized Stub user(byte[] code) {
        long at = align(userNext);
        if (at + code.length > userText.size()) throw new IllegalStateException("user stub page full");
        userText.memory().asSlice(at, code.length).copyFrom(java.lang.foreign.MemorySegment.ofArray(code));
        userNext = at + code.length;
        return new Stub(userTextVa + at, userTextVa + at + code.length);
    }

    public Stub invlpg() { return invlpg; }
    public Stub reloadCr3() { return reloadCr3; }
    public Stub iretqEntry() { return iretqEntry; }
    /** A {@code hlt} at a kernel address: push it as the return address and run until it. */
    public Stub kernelReturn() { return kernelReturn; }
    /** Where a user CPU idles between runs. */
    public Stub userPark() { return userPark; }

    private static long align(long offset) {
        return (offset + 15) & ~15L;
    }
}
