package dev.arenaemu.kernel.bpf.jit;

/**
 * One {@code struct exception_table_entry} the JIT emits per arena access
 * (docs/semantics.md#exception-table, v6.18 layout), kept as fields rather than packed words:
 * <ul>
 *   <li>{@code insnOffset}: the faulting x86 instruction's offset in the image (the kernel stores
 *       it PC-relative to the entry itself);</li>
 *   <li>{@code length}: bytes to skip ({@code fixup} bits 0–7);</li>
 *   <li>{@code clearRegister}: x86 register a faulting load zeroes, or -1 for DONT_CLEAR (stores
 *       and every atomic; {@code fixup} bits 8–15 hold its pt_regs offset or 1);</li>
 *   <li>{@code pointerRegister}: x86 register holding the 32-bit arena pointer ({@code fixup}
 *       bits 16–23, bit 31 FIXUP_ARENA_ACCESS);</li>
 *   <li>{@code off}: the instruction's s16 offset ({@code data} bits 16–31);</li>
 *   <li>{@code write}: the fault is reported as a WRITE. Up to E4 {@code ex_handler_bpf} derives it
 *       from DONT_CLEAR; from E5 a read-modify-write atomic with BPF_FETCH clears its fetch
 *       register and still reports a WRITE (selftests/bpf progs/stream.c,
 *       stream_arena_xchg_fault), so it is its own field here (how that kernel packs it is not
 *       modelled: {@link #fixupWord()} keeps the v6.18 layout).</li>
 * </ul>
 */
public record ExceptionTableEntry(int insnOffset, int length, int clearRegister, int pointerRegister, short off, int bpfInsnIndex, boolean write) {
    public static final int DONT_CLEAR = -1;
    /** arch/x86/include/asm/extable_fixup_types.h */
    public static final int EX_TYPE_BPF = 7;
    private static final int PT_REGS_DONT_CLEAR = 1;
    private static final int FIXUP_ARENA_ACCESS = 1 << 31;

    /** An entry reported as a WRITE exactly when nothing is cleared (ex_handler_bpf's rule up to E4). */
    public ExceptionTableEntry(int insnOffset, int length, int clearRegister, int pointerRegister, short off, int bpfInsnIndex) {
        this(insnOffset, length, clearRegister, pointerRegister, off, bpfInsnIndex, clearRegister == DONT_CLEAR);
    }

    public boolean clears() {
        return clearRegister != DONT_CLEAR;
    }

    /** Whether the fault is reported as a WRITE (else a READ). */
    public boolean isWrite() {
        return write;
    }

    /** {@code ex->fixup} as the v6.18 JIT packs it. */
    public int fixupWord() {
        int reg = clears() ? BpfRegisterMap.ptRegsOffset(clearRegister) : PT_REGS_DONT_CLEAR;
        return length | reg << 8 | BpfRegisterMap.ptRegsOffset(pointerRegister) << 16 | FIXUP_ARENA_ACCESS;
    }

    /** {@code ex->data} as the v6.18 JIT packs it. */
    public int dataWord() {
        return EX_TYPE_BPF | (off & 0xFFFF) << 16;
    }
}
