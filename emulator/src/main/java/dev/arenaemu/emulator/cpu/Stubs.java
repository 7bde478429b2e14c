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
    /** A stub's first byte and where a run of it stops (a run's {@code until}): the address just past it, or the {@code hlt} it jumps to. */
    public record Stub(long address, long end) {}

    private static final byte[] INVLPG_RDI = {0x0F, 0x01, 0x3F};                                      // invlpg [rdi]
    private static final byte[] INVLPG_RANGE = {                                                       // rdi = first page, rsi = pages (> 0)
        0x0F, 0x01, 0x3F,                   // loop: invlpg [rdi]
        0x48, (byte) 0x81, (byte) 0xC7, 0x00, 0x10, 0x00, 0x00,   // add rdi, 0x1000
        0x48, (byte) 0xFF, (byte) 0xCE,     //       dec rsi
        0x75, (byte) 0xF1};                 //       jnz loop
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

    private final Stub invlpg, invlpgRange, reloadCr3, iretqEntry, kernelReturn, userPark;

    Stubs(HostBuffer kernelText, long kernelTextVa, long kernelTextSize, HostBuffer userText, long userTextVa) {
        this.kernelText = kernelText;
        this.kernelTextVa = kernelTextVa;
        this.kernelTextSize = kernelTextSize;
        this.userText = userText;
        this.userTextVa = userTextVa;
        kernelReturn = kernel(HLT);
        invlpg = kernelJumpingToReturn(INVLPG_RDI);
        invlpgRange = kernelJumpingToReturn(INVLPG_RANGE);
        reloadCr3 = kernelJumpingToReturn(RELOAD_CR3);
        iretqEntry = kernel(IRETQ_ENTRY);
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

    /**
     * Places {@code code} followed by {@code jmp kernelReturn}; the stub's {@code end} is
     * {@link #kernelReturn()}, the run's {@code until}. Unicorn 2.0.1 translates the block that
     * falls through into `until` again on every run; one that jumps there stays cached, which
     * saves about 2 µs per counted run of these often-run stubs (emulator/README.md).
     */
    private Stub kernelJumpingToReturn(byte[] code) {
        byte[] withJump = java.util.Arrays.copyOf(code, code.length + 5);
        Stub placed = kernel(withJump);
        long jmpEnd = placed.end();
        int rel = (int) (kernelReturn.address() - jmpEnd);
        withJump[code.length] = (byte) 0xE9;                                            // jmp rel32
        for (int i = 0; i < 4; i++) withJump[code.length + 1 + i] = (byte) (rel >>> (8 * i));
        kernelText.memory().asSlice(placed.address() - kernelTextVa, withJump.length)
            .copyFrom(java.lang.foreign.MemorySegment.ofArray(withJump));
        return new Stub(placed.address(), kernelReturn.address());
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
    /** {@code invlpg} of RSI pages from RDI on, in one run. */
    public Stub invlpgRange() { return invlpgRange; }
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
