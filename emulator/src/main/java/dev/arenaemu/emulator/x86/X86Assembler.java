package dev.arenaemu.emulator.x86;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A small x86-64 encoder: enough of the ISA for the BPF JIT and for hand-written guest stubs.
 * Registers are the 4-bit hardware encodings ({@link #RAX} … {@link #R15}).
 *
 * <p>Memory operands always carry a displacement (disp8 when it fits, else disp32), the form
 * the kernel's BPF JIT emits ({@code emit_insn_suffix}); that also avoids ModRM's "no base"
 * case for rbp/r13 bases. An rsp/r12 base or any index gets a SIB byte. REX is emitted when an
 * extended register, a 64-bit operand size or a byte access to sil/dil/spl/bpl needs it, or
 * when the caller forces it.
 */
public final class X86Assembler {
    public static final int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7,
        R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15;

    /** Condition codes (the low nibble of Jcc/SETcc/CMOVcc). */
    public enum Cond {
        O(0x0), NO(0x1), B(0x2), AE(0x3), E(0x4), NE(0x5), BE(0x6), A(0x7),
        S(0x8), NS(0x9), L(0xC), GE(0xD), LE(0xE), G(0xF);
        public final int code;
        Cond(int code) { this.code = code; }
    }

    /** Group-1 ALU operations: the /digit of 81/83 and the base opcode of the r/m,reg form. */
    public enum Alu {
        ADD(0, 0x01), OR(1, 0x09), AND(4, 0x21), SUB(5, 0x29), XOR(6, 0x31), CMP(7, 0x39);
        public final int digit;
        public final int mrOpcode;
        Alu(int digit, int mrOpcode) { this.digit = digit; this.mrOpcode = mrOpcode; }
    }

    /** Group-2 shift operations (/digit of C1/D1/D3). */
    public enum Shift {
        ROL(0), ROR(1), SHL(4), SHR(5), SAR(7);
        public final int digit;
        Shift(int digit) { this.digit = digit; }
    }

    /** {@code [base + index*scale + disp]}; {@code index < 0} means none. */
    public record Mem(int base, int index, int scale, int disp) {
        public Mem {
            if (scale != 1 && scale != 2 && scale != 4 && scale != 8) throw new IllegalArgumentException("scale " + scale);
            if (index == RSP) throw new IllegalArgumentException("rsp cannot be an index");
        }
        public static Mem of(int base, int disp) { return new Mem(base, -1, 1, disp); }
        public static Mem indexed(int base, int index, int disp) { return new Mem(base, index, 1, disp); }
    }

    /** A code position, bound once; jumps to it before binding are patched at {@link #bind}. */
    public static final class Label {
        private int position = -1;
        private final List<int[]> fixups = new ArrayList<>();   // {offset of displacement, width}
        public boolean bound() { return position >= 0; }
        public int position() { return position; }
    }

    private byte[] buf = new byte[256];
    private int size;

    public int position() { return size; }
    public byte[] toByteArray() { return Arrays.copyOf(buf, size); }

    /** Drops everything from {@code position} on (used to re-emit a sequence). */
    public void truncate(int position) {
        if (position < 0 || position > size) throw new IllegalArgumentException("position " + position);
        size = position;
    }

    // ---- raw bytes -----------------------------------------------------------------------

    public X86Assembler emit8(int b) {
        if (size == buf.length) buf = Arrays.copyOf(buf, buf.length * 2);
        buf[size++] = (byte) b;
        return this;
    }

    public X86Assembler emit(int... bytes) {
        for (int b : bytes) emit8(b);
        return this;
    }

    public X86Assembler emit16(int v) { return emit8(v).emit8(v >> 8); }
    public X86Assembler emit32(int v) { return emit16(v).emit16(v >> 16); }
    public X86Assembler emit64(long v) { return emit32((int) v).emit32((int) (v >>> 32)); }

    /** Emits an immediate of {@code bytes} (1, 2, 4 or 8) little-endian bytes. */
    public X86Assembler emitImm(long v, int bytes) {
        for (int i = 0; i < bytes; i++) emit8((int) (v >>> (8 * i)));
        return this;
    }

    public void patch32(int at, int v) {
        for (int i = 0; i < 4; i++) buf[at + i] = (byte) (v >>> (8 * i));
    }

    public static boolean isImm8(long v) { return v >= -128 && v <= 127; }
    public static boolean isSimm32(long v) { return v == (int) v; }
    public static boolean isUimm32(long v) { return (v >>> 32) == 0; }

    // ---- prefixes, ModRM, SIB --------------------------------------------------------------

    /** ModRM (and SIB, displacement) for {@code reg} against memory. */
    public X86Assembler modrmMem(int reg, Mem m) {
        boolean disp8 = isImm8(m.disp());
        int mod = disp8 ? 0x40 : 0x80;
        if (m.index() >= 0 || (m.base() & 7) == RSP) {
            int index = m.index() >= 0 ? m.index() : RSP;   // index 100 = none
            emit8(mod | (reg & 7) << 3 | 4);
            emit8(Integer.numberOfTrailingZeros(m.scale()) << 6 | (index & 7) << 3 | (m.base() & 7));
        } else {
            emit8(mod | (reg & 7) << 3 | (m.base() & 7));
        }
        return disp8 ? emit8(m.disp()) : emit32(m.disp());
    }

    public X86Assembler modrmReg(int reg, int rm) {
        return emit8(0xC0 | (reg & 7) << 3 | (rm & 7));
    }

    /** {@code [prefix66] REX opcode ModRM...} with a register reg field and memory operand. */
    public X86Assembler opMem(boolean p66, boolean w, boolean byteReg, int reg, Mem m, boolean forceRex, int... opcode) {
        if (p66) emit8(0x66);
        rexMem(w, byteReg, reg, m, forceRex);
        emit(opcode);
        return modrmMem(reg, m);
    }

    private void rexMem(boolean w, boolean byteReg, int reg, Mem m, boolean force) {
        int rex = 0x40 | (w ? 8 : 0) | (reg >= 8 ? 4 : 0) | (m.index() >= 8 ? 2 : 0) | (m.base() >= 8 ? 1 : 0);
        boolean lowByte = byteReg && reg >= 4 && reg < 8;
        if (rex != 0x40 || force || lowByte) emit8(rex);
    }

    /** {@code REX opcode ModRM} with two registers (reg field, rm field). */
    public X86Assembler opReg(boolean p66, boolean w, boolean byteRegs, int reg, int rm, int... opcode) {
        if (p66) emit8(0x66);
        int rex = 0x40 | (w ? 8 : 0) | (reg >= 8 ? 4 : 0) | (rm >= 8 ? 1 : 0);
        boolean lowByte = byteRegs && ((reg >= 4 && reg < 8) || (rm >= 4 && rm < 8));
        if (rex != 0x40 || lowByte) emit8(rex);
        emit(opcode);
        return modrmReg(reg, rm);
    }

    // ---- moves -----------------------------------------------------------------------------

    /** {@code mov dst, src} (89 /r); the 32-bit form zero-extends, so it is emitted even when dst == src. */
    public X86Assembler mov(boolean w, int dst, int src) { return opReg(false, w, false, src, dst, 0x89); }

    /** Shortest {@code mov r, imm}: xor for 0, B8+r imm32 when zero-extension fits, C7 /0 sign-extended, else movabs. */
    public X86Assembler movImm(int dst, long imm) {
        if (imm == 0) return alu(Alu.XOR, false, dst, dst);
        if (isUimm32(imm)) return movImm32(dst, (int) imm);
        if (isSimm32(imm)) return movImmSx(dst, (int) imm);
        return movabs(dst, imm);
    }

    /** {@code mov r32, imm32} (B8+r), zero-extending. */
    public X86Assembler movImm32(int dst, int imm) {
        if (dst >= 8) emit8(0x41);
        return emit8(0xB8 + (dst & 7)).emit32(imm);
    }

    /** {@code mov r64, simm32} (REX.W C7 /0). */
    public X86Assembler movImmSx(int dst, int imm) {
        return emit8(0x48 | (dst >= 8 ? 1 : 0)).emit8(0xC7).modrmReg(0, dst).emit32(imm);
    }

    /** {@code movabs r64, imm64} (REX.W B8+r). */
    public X86Assembler movabs(int dst, long imm) {
        return emit8(0x48 | (dst >= 8 ? 1 : 0)).emit8(0xB8 + (dst & 7)).emit64(imm);
    }

    /** Zero-extending load of 1/2/4/8 bytes into {@code dst} (movzx for 1 and 2). */
    public X86Assembler load(int bytes, int dst, Mem m) {
        return switch (bytes) {
            case 1 -> opMem(false, false, false, dst, m, false, 0x0F, 0xB6);
            case 2 -> opMem(false, false, false, dst, m, false, 0x0F, 0xB7);
            case 4 -> opMem(false, false, false, dst, m, false, 0x8B);
            case 8 -> opMem(false, true, false, dst, m, false, 0x8B);
            default -> throw new IllegalArgumentException("size " + bytes);
        };
    }

    /** Sign-extending load of 1/2/4 bytes into 64-bit {@code dst}. */
    public X86Assembler loadSx(int bytes, int dst, Mem m) {
        return switch (bytes) {
            case 1 -> opMem(false, true, false, dst, m, false, 0x0F, 0xBE);
            case 2 -> opMem(false, true, false, dst, m, false, 0x0F, 0xBF);
            case 4 -> opMem(false, true, false, dst, m, false, 0x63);
            default -> throw new IllegalArgumentException("size " + bytes);
        };
    }

    public X86Assembler store(int bytes, Mem m, int src) {
        return switch (bytes) {
            case 1 -> opMem(false, false, true, src, m, false, 0x88);
            case 2 -> opMem(true, false, false, src, m, false, 0x89);
            case 4 -> opMem(false, false, false, src, m, false, 0x89);
            case 8 -> opMem(false, true, false, src, m, false, 0x89);
            default -> throw new IllegalArgumentException("size " + bytes);
        };
    }

    /** {@code mov [m], imm} of 1/2/4/8 bytes (the 8-byte form sign-extends a 32-bit immediate). */
    public X86Assembler storeImm(int bytes, Mem m, int imm) {
        switch (bytes) {
            case 1 -> opMem(false, false, false, 0, m, false, 0xC6).emit8(imm);
            case 2 -> opMem(true, false, false, 0, m, false, 0xC7).emit16(imm);
            case 4 -> opMem(false, false, false, 0, m, false, 0xC7).emit32(imm);
            case 8 -> opMem(false, true, false, 0, m, false, 0xC7).emit32(imm);
            default -> throw new IllegalArgumentException("size " + bytes);
        }
        return this;
    }

    public X86Assembler lea(int dst, Mem m) { return opMem(false, true, false, dst, m, false, 0x8D); }

    /** movsx/movzx between registers: {@code bits} 8/16 (0F BE/BF or 0F B6/B7), 32 (movsxd 63). */
    public X86Assembler movsx(boolean w, int bits, int dst, int src) {
        return switch (bits) {
            case 8 -> opReg(false, w, true, dst, src, 0x0F, 0xBE);
            case 16 -> opReg(false, w, false, dst, src, 0x0F, 0xBF);
            case 32 -> opReg(false, true, false, dst, src, 0x63);
            default -> throw new IllegalArgumentException("bits " + bits);
        };
    }

    public X86Assembler movzx16(int dst, int src) { return opReg(false, false, false, dst, src, 0x0F, 0xB7); }

    // ---- arithmetic ------------------------------------------------------------------------

    /** {@code op dst, src} in the r/m,reg form (01/09/21/29/31/39). */
    public X86Assembler alu(Alu op, boolean w, int dst, int src) { return opReg(false, w, false, src, dst, op.mrOpcode); }

    /** {@code op dst, imm}: 83 /d ib when the immediate fits in 8 bits, else the rax short form or 81 /d id. */
    public X86Assembler aluImm(Alu op, boolean w, int dst, int imm) {
        if (isImm8(imm)) return opReg(false, w, false, op.digit, dst, 0x83).emit8(imm);
        if (dst == RAX) {
            if (w) emit8(0x48);
            return emit8(op.mrOpcode + 4).emit32(imm);
        }
        return opReg(false, w, false, op.digit, dst, 0x81).emit32(imm);
    }

    public X86Assembler test(boolean w, int a, int b) { return opReg(false, w, false, b, a, 0x85); }
    public X86Assembler testImm(boolean w, int dst, int imm) { return opReg(false, w, false, 0, dst, 0xF7).emit32(imm); }
    public X86Assembler neg(boolean w, int dst) { return opReg(false, w, false, 3, dst, 0xF7); }
    public X86Assembler imul(boolean w, int dst, int src) { return opReg(false, w, false, dst, src, 0x0F, 0xAF); }

    public X86Assembler imulImm(boolean w, int dst, int src, int imm) {
        return isImm8(imm) ? opReg(false, w, false, dst, src, 0x6B).emit8(imm) : opReg(false, w, false, dst, src, 0x69).emit32(imm);
    }

    /** Unsigned {@code div src} (F7 /6) of rdx:rax. */
    public X86Assembler div(boolean w, int src) { return opReg(false, w, false, 6, src, 0xF7); }
    /** Signed {@code idiv src} (F7 /7). */
    public X86Assembler idiv(boolean w, int src) { return opReg(false, w, false, 7, src, 0xF7); }
    /** {@code cdq} (w=false) or {@code cqo}. */
    public X86Assembler signExtendAccumulator(boolean w) { return w ? emit(0x48, 0x99) : emit8(0x99); }

    public X86Assembler shiftImm(Shift op, boolean w, int dst, int count) {
        return count == 1 ? opReg(false, w, false, op.digit, dst, 0xD1) : opReg(false, w, false, op.digit, dst, 0xC1).emit8(count);
    }

    public X86Assembler shiftCl(Shift op, boolean w, int dst) { return opReg(false, w, false, op.digit, dst, 0xD3); }

    /** {@code ror r16, imm8} (66 C1 /1). */
    public X86Assembler ror16(int dst, int count) { return opReg(true, false, false, Shift.ROR.digit, dst, 0xC1).emit8(count); }

    public X86Assembler bswap(boolean w, int dst) {
        int rex = 0x40 | (w ? 8 : 0) | (dst >= 8 ? 1 : 0);
        if (rex != 0x40) emit8(rex);
        return emit(0x0F, 0xC8 + (dst & 7));
    }

    /** {@code cmovcc dst, src}. */
    public X86Assembler cmov(Cond cond, boolean w, int dst, int src) { return opReg(false, w, false, dst, src, 0x0F, 0x40 | cond.code); }

    // ---- atomics ---------------------------------------------------------------------------

    public X86Assembler lock() { return emit8(0xF0); }

    // ---- stack, control flow ----------------------------------------------------------------

    public X86Assembler push(int r) { if (r >= 8) emit8(0x41); return emit8(0x50 + (r & 7)); }
    public X86Assembler pop(int r) { if (r >= 8) emit8(0x41); return emit8(0x58 + (r & 7)); }
    public X86Assembler leave() { return emit8(0xC9); }
    public X86Assembler ret() { return emit8(0xC3); }
    public X86Assembler hlt() { return emit8(0xF4); }
    public X86Assembler syscall() { return emit(0x0F, 0x05); }

    /** Multi-byte NOPs as Intel recommends them (used by the JIT prologue's patch area). */
    public X86Assembler nops(int count) {
        int[][] forms = {{}, {0x90}, {0x66, 0x90}, {0x0F, 0x1F, 0x00}, {0x0F, 0x1F, 0x40, 0x00},
            {0x0F, 0x1F, 0x44, 0x00, 0x00}};
        while (count > 0) {
            int n = Math.min(count, 5);
            emit(forms[n]);
            count -= n;
        }
        return this;
    }

    /** {@code mov r64, crN} (0F 20 /r). */
    public X86Assembler movFromCr(int dst, int cr) { if (dst >= 8) emit8(0x41); return emit(0x0F, 0x20).modrmReg(cr, dst); }
    /** {@code mov crN, r64} (0F 22 /r). */
    public X86Assembler movToCr(int cr, int src) { if (src >= 8) emit8(0x41); return emit(0x0F, 0x22).modrmReg(cr, src); }

    /** {@code call rel32} to an absolute target, given the address this code will run at. */
    public X86Assembler callAbsolute(long codeBase, long target) {
        emit8(0xE8);
        long rel = target - (codeBase + size + 4);
        if (!isSimm32(rel)) throw new IllegalArgumentException("call target out of rel32 range: 0x" + Long.toHexString(target));
        return emit32((int) rel);
    }

    /** {@code jmp} with a raw displacement measured from the end of the instruction (rel8 if it fits). */
    public X86Assembler jmpRel(long rel) {
        return jmpRel(rel, isImm8(rel));
    }

    /** {@code jmp} with a raw displacement: EB rel8 when {@code rel8} (the caller's choice; it must fit), else E9 rel32. */
    public X86Assembler jmpRel(long rel, boolean rel8) {
        if (rel8) return emit(0xEB, checkedRel8(rel));
        return emit8(0xE9).emit32(checkedRel32(rel));
    }

    /** {@code jcc} with a raw displacement (rel8 if it fits, else 0F 8x rel32). */
    public X86Assembler jccRel(Cond cond, long rel) {
        return jccRel(cond, rel, isImm8(rel));
    }

    /** {@code jcc} with a raw displacement: 7x rel8 when {@code rel8} (it must fit), else 0F 8x rel32. */
    public X86Assembler jccRel(Cond cond, long rel, boolean rel8) {
        if (rel8) return emit(0x70 | cond.code, checkedRel8(rel));
        return emit(0x0F, 0x80 | cond.code).emit32(checkedRel32(rel));
    }

    private static int checkedRel8(long rel) {
        if (!isImm8(rel)) throw new IllegalArgumentException("jump out of rel8 range: " + rel);
        return (int) rel;
    }

    private static int checkedRel32(long rel) {
        if (!isSimm32(rel)) throw new IllegalArgumentException("jump out of rel32 range: " + rel);
        return (int) rel;
    }

    public Label newLabel() { return new Label(); }

    public void bind(Label label) {
        if (label.bound()) throw new IllegalStateException("label bound twice");
        label.position = size;
        for (int[] f : label.fixups) {
            int rel = size - (f[0] + f[1]);
            if (f[1] == 1) {
                if (!isImm8(rel)) throw new IllegalStateException("short jump out of range: " + rel);
                buf[f[0]] = (byte) rel;
            } else {
                patch32(f[0], rel);
            }
        }
        label.fixups.clear();
    }

    /** Short {@code jcc} to a label (rel8; the sequences using it are small). */
    public X86Assembler jccShort(Cond cond, Label label) { emit8(0x70 | cond.code); return ref(label, 1); }
    public X86Assembler jmpShort(Label label) { emit8(0xEB); return ref(label, 1); }
    /** Near {@code jcc} to a label (0F 8x rel32). */
    public X86Assembler jcc(Cond cond, Label label) { emit(0x0F, 0x80 | cond.code); return ref(label, 4); }
    /** Near {@code jmp} to a label (E9 rel32). */
    public X86Assembler jmp(Label label) { emit8(0xE9); return ref(label, 4); }
    /** Near {@code call} to a label (E8 rel32). */
    public X86Assembler call(Label label) { emit8(0xE8); return ref(label, 4); }

    private X86Assembler ref(Label label, int width) {
        if (label.bound()) {
            int rel = label.position - (size + width);
            if (width == 1) {
                if (!isImm8(rel)) throw new IllegalStateException("short jump out of range: " + rel);
                return emit8(rel);
            }
            return emit32(rel);
        }
        label.fixups.add(new int[] {size, width});
        return emitImm(0, width);
    }
}
