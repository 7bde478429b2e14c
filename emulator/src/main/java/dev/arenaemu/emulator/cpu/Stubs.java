package dev.arenaemu.emulator.cpu;

import dev.arenaemu.emulator.memory.HostBuffer;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

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
    private static final byte[] UD2 = {0x0F, 0x0B};

    /**
     * One page of stub code and where the next stub goes. A host write does not drop the
     * translation of the bytes it overwrites (2.1.4 as 2.0.1, emulator/README.md quirk 4), so a
     * stub placed where an earlier life of the machine left other bytes calls
     * {@code dropTranslations}; the same bytes again, which is what a reset machine's next user
     * places in the same order, are harmless.
     */
    private static final class Text {
        final HostBuffer buffer;
        final long va;
        final long size;
        final Runnable dropTranslations;
        long next, boot = -1, highWater;

        Text(HostBuffer buffer, long va, long size, Runnable dropTranslations) {
            this.buffer = buffer;
            this.va = va;
            this.size = size;
            this.dropTranslations = dropTranslations;
        }

        /** The address the next stub will have. */
        long nextAddress() {
            return va + align(next);
        }

        Stub place(byte[] code, String full) {
            long at = align(next);
            if (at + code.length > size) throw new IllegalStateException(full);
            MemorySegment target = buffer.memory().asSlice(at, code.length);
            MemorySegment bytes = MemorySegment.ofArray(code);
            if (at < highWater && target.mismatch(bytes) != -1) dropTranslations.run();
            target.copyFrom(bytes);
            next = at + code.length;
            highWater = Math.max(highWater, next);
            return new Stub(va + at, va + at + code.length);
        }
    }

    private final Text kernelText;
    private final Text userText;
    private final Stub invlpg, invlpgRange, reloadCr3, iretqEntry, kernelReturn, userPark, userExit;

    /**
     * @param dropTranslations flushes every CPU's translated code: called when a stub placed after
     *        a {@link #reset} differs from the code an earlier life left there (kernel and user
     *        stubs alike: every CPU runs both)
     */
    Stubs(HostBuffer kernelText, long kernelTextVa, long kernelTextSize, HostBuffer userText, long userTextVa, Runnable dropTranslations) {
        this.kernelText = new Text(kernelText, kernelTextVa, kernelTextSize, dropTranslations);
        this.userText = new Text(userText, userTextVa, userText.size(), dropTranslations);
        kernelReturn = kernel(HLT);
        invlpg = kernelThenExit(INVLPG_RDI);
        invlpgRange = kernelThenExit(INVLPG_RANGE);
        reloadCr3 = kernelThenExit(RELOAD_CR3);
        iretqEntry = kernel(IRETQ_ENTRY);
        // The park stub is iretq's target and the `until` of that run, at a page start on
        // purpose: Cpu absorbs Unicorn's probe of the page before a page-aligned `until`.
        userPark = user(NOP);
        userExit = user(UD2);   // only ever an `until`: never executed
    }

    /** The machine's own stubs are placed: {@link #reset} forgets every stub placed after this. */
    void markBoot() {
        kernelText.boot = kernelText.next;
        userText.boot = userText.next;
    }

    /** Space of the stubs placed since {@link #markBoot} is free again (see {@link Text} for the bytes left there). */
    void reset() {
        if (kernelText.boot < 0) throw new IllegalStateException("no boot mark");
        kernelText.next = kernelText.boot;
        userText.next = userText.boot;
    }

    /** Places supervisor code in kernel text. */
    public synchronized Stub kernel(byte[] code) {
        return kernelText.place(code, "kernel text full");
    }

    /**
     * Places supervisor {@code code} followed by {@code jmp} {@link #kernelReturn()}; the stub's
     * {@code end} is that {@code hlt} address, the run's {@code until}. On Unicorn 2.0.1 a block that
     * fell through into {@code until} was translated again on every run, while one that jumped
     * there stayed cached: about 2 µs less per counted run of a short stub (emulator/docs/costs.md,
     * a 2.0.1 figure not re-measured on 2.1.4). Code
     * inside may jump to its own end (the appended {@code jmp}).
     */
    public synchronized Stub kernelThenExit(byte[] code) {
        Stub placed = kernel(withJump(code, kernelText.nextAddress(), kernelReturn.address()));
        return new Stub(placed.address(), kernelReturn.address());
    }

    /** {@link #kernelThenExit} for code that CPL3 runs: the jump goes to a user-executable exit address. */
    public synchronized Stub userThenExit(byte[] code) {
        Stub placed = user(withJump(code, userText.nextAddress(), userExit.address()));
        return new Stub(placed.address(), userExit.address());
    }

    /** {@code code} then {@code jmp target} (rel32), as placed at {@code address}. */
    private static byte[] withJump(byte[] code, long address, long target) {
        byte[] out = Arrays.copyOf(code, code.length + 5);
        int rel = (int) (target - (address + out.length));
        out[code.length] = (byte) 0xE9;
        for (int i = 0; i < 4; i++) out[code.length + 1 + i] = (byte) (rel >>> (8 * i));
        return out;
    }

    /** Places code that CPL3 may execute. */
    public synchronized Stub user(byte[] code) {
        return userText.place(code, "user stub page full");
    }

    public Stub invlpg() { return invlpg; }
    /** {@code invlpg} of RSI pages from RDI on, in one run. */
    public Stub invlpgRange() { return invlpgRange; }
    public Stub reloadCr3() { return reloadCr3; }
    public Stub iretqEntry() { return iretqEntry; }
    /** A {@code hlt} at a kernel address: push it as the return address and run until it. */
    public Stub kernelReturn() { return kernelReturn; }
    /** Where a CPU's first drop to CPL3 under a root lands (iretq's target, never executed). */
    public Stub userPark() { return userPark; }

    private static long align(long offset) {
        return (offset + 15) & ~15L;
    }
}
