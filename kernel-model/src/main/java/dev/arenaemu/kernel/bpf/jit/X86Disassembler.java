package dev.arenaemu.kernel.bpf.jit;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * An x86-64 disassembler for the instructions {@link BpfJit} emits, printing AT&T syntax the way
 * {@code bpftool prog dump jited} (through libbfd/objdump) does: {@code mnemonic src,dst},
 * {@code %reg}, {@code $imm}, {@code disp(base,index,scale)}, size suffixes only where no register
 * operand gives the size. No maintained Java x86 disassembler is on Maven Central (iced-x86 has no
 * Java artifact there), hence this one. Bytes it does not know become {@code (bad)} one byte at a
 * time, so a listing never stops short.
 */
public final class X86Disassembler {
    private X86Disassembler() {}

    /** One decoded instruction: its offset in the code, its bytes and its text. */
    public record Line(int offset, byte[] bytes, String text) {
        public String hex() {
            StringBuilder sb = new StringBuilder();
            for (byte b : bytes) {
                if (!sb.isEmpty()) sb.append(' ');
                sb.append(HexFormat.of().toHexDigits(b));
            }
            return sb.toString();
        }
    }

    private static final String[] R64 = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
    private static final String[] R32 = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
    private static final String[] R16 = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di", "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
    private static final String[] R8_REX = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil", "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"};
    private static final String[] R8_LEGACY = {"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"};
    private static final String[] ALU = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};
    private static final String[] SHIFT = {"rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"};
    private static final String[] CC = {"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"};

    /** Every instruction of {@code code}; {@code base} is the address of code[0] (for branch targets). */
    public static List<Line> disassemble(byte[] code, long base) {
        List<Line> out = new ArrayList<>();
        int pc = 0;
        while (pc < code.length) {
            Decoder d = new Decoder(code, pc, base);
            String text;
            try {
                text = d.decode();
            } catch (IndexOutOfBoundsException | IllegalStateException e) {
                text = null;
            }
            int len = text == null ? 1 : d.at - pc;
            if (text == null) text = "(bad)";
            byte[] bytes = new byte[len];
            System.arraycopy(code, pc, bytes, 0, len);
            out.add(new Line(pc, bytes, text));
            pc += len;
        }
        return out;
    }

    private static final class Decoder {
        final byte[] c;
        final int start;
        final long base;
        int at;
        boolean lock, opsize, rep, repne;
        int rex;   // 0 when absent

        Decoder(byte[] c, int start, long base) {
            this.c = c;
            this.start = start;
            this.base = base;
            this.at = start;
        }

        int u8() { return c[at++] & 0xFF; }
        int s8() { return c[at++]; }
        int s32() { int v = (c[at] & 0xFF) | (c[at + 1] & 0xFF) << 8 | (c[at + 2] & 0xFF) << 16 | c[at + 3] << 24; at += 4; return v; }
        int u16() { int v = (c[at] & 0xFF) | (c[at + 1] & 0xFF) << 8; at += 2; return v; }
        long s64() { long lo = s32() & 0xFFFF_FFFFL; long hi = s32(); return hi << 32 | lo; }

        boolean w() { return (rex & 8) != 0; }
        int rexR() { return (rex & 4) << 1; }
        int rexX() { return (rex & 2) << 2; }
        int rexB() { return (rex & 1) << 3; }

        /** Operand size in bytes of a non-byte instruction. */
        int osz() { return w() ? 8 : opsize ? 2 : 4; }

        String reg(int n, int size) {
            return "%" + switch (size) {
                case 8 -> R64[n];
                case 4 -> R32[n];
                case 2 -> R16[n];
                default -> rex != 0 ? R8_REX[n] : n < 8 ? R8_LEGACY[n] : R8_REX[n];
            };
        }

        /** An immediate as objdump prints it: unsigned, at the operand's size. */
        static String imm(long v, int size) {
            long u = size == 8 ? v : v & ((1L << (8 * size)) - 1);
            return "$0x" + Long.toHexString(u);
        }

        static String hex(long v) {
            return v < 0 ? "-0x" + Long.toHexString(-v) : "0x" + Long.toHexString(v);
        }

        /** A decoded ModRM: reg field and the r/m operand (register number, or memory text). */
        int modReg;
        int rmReg = -1;
        String mem;

        void modrm() {
            int m = u8();
            int mod = m >> 6, regf = (m >> 3) & 7, rm = m & 7;
            modReg = regf | rexR();
            if (mod == 3) {
                rmReg = rm | rexB();
                mem = null;
                return;
            }
            rmReg = -1;
            String baseR = null, index = null;
            int scale = 1;
            long disp = 0;
            if (rm == 4) {
                int sib = u8();
                int ss = sib >> 6, idx = ((sib >> 3) & 7) | rexX(), b = sib & 7;
                scale = 1 << ss;
                if (idx != 4) index = R64[idx];
                if (b == 5 && mod == 0) disp = s32(); else baseR = R64[b | rexB()];
            } else if (rm == 5 && mod == 0) {
                disp = s32();
                baseR = "rip";
            } else {
                baseR = R64[rm | rexB()];
            }
            if (mod == 1) disp = s8(); else if (mod == 2) disp = s32();
            StringBuilder sb = new StringBuilder();
            if (mod != 0 || baseR == null || (rm == 5 && mod == 0)) sb.append(hex(disp));
            sb.append('(');
            if (baseR != null) sb.append('%').append(baseR);
            if (index != null) sb.append(",%").append(index).append(',').append(scale);
            sb.append(')');
            mem = sb.toString();
        }

        String rm(int size) {
            return mem != null ? mem : reg(rmReg, size);
        }

        static String suffix(int size) {
            return switch (size) {
                case 1 -> "b";
                case 2 -> "w";
                case 4 -> "l";
                default -> "q";
            };
        }

        String target(long rel) {
            return hex(base + at + rel);
        }

        String decode() {
            while (true) {
                int b = c[at] & 0xFF;
                if (b == 0xF0) lock = true;
                else if (b == 0x66) opsize = true;
                else if (b == 0xF3) rep = true;
                else if (b == 0xF2) repne = true;
                else break;
                at++;
            }
            int b = u8();
            if (b >= 0x40 && b <= 0x4F) {
                rex = b;
                b = u8();
            }
            String lk = lock ? "lock " : "";
            if (b == 0xC4) return vex();
            if (b == 0x0F) return twoByte(lk);
            if (b < 0x40 && (b & 7) <= 5 && (b & 0xC0) == 0) {
                String op = ALU[b >> 3];
                switch (b & 7) {
                    case 0 -> { modrm(); return lk + op + " " + reg(modReg, 1) + "," + rm(1); }
                    case 1 -> { modrm(); return lk + op + (mem != null ? "" : "") + " " + reg(modReg, osz()) + "," + rm(osz()); }
                    case 3 -> { modrm(); return op + " " + rm(osz()) + "," + reg(modReg, osz()); }
                    case 5 -> { long v = osz() == 2 ? (short) u16() : s32(); return op + " " + imm(v, osz()) + "," + reg(0, osz()); }
                    default -> throw new IllegalStateException();
                }
            }
            if (b >= 0x50 && b <= 0x57) return "push " + reg((b - 0x50) | rexB(), 8);
            if (b >= 0x58 && b <= 0x5F) return "pop " + reg((b - 0x58) | rexB(), 8);
            if (b == 0x63) { modrm(); return "movslq " + rm(4) + "," + reg(modReg, 8); }
            if (b == 0x69 || b == 0x6B) {
                modrm();
                long v = b == 0x6B ? s8() : s32();
                return "imul " + imm(v, osz()) + "," + rm(osz()) + "," + reg(modReg, osz());
            }
            if (b >= 0x70 && b <= 0x7F) { long rel = s8(); return "j" + CC[b - 0x70] + " " + target(rel); }
            if (b == 0x81 || b == 0x83) {
                modrm();
                long v = b == 0x83 ? s8() : osz() == 2 ? (short) u16() : s32();
                String sfx = mem != null ? suffix(osz()) : "";
                return lk + ALU[modReg & 7] + sfx + " " + imm(v, osz()) + "," + rm(osz());
            }
            if (b == 0x85) { modrm(); return "test " + reg(modReg, osz()) + "," + rm(osz()); }
            if (b == 0x87) { modrm(); return lk + "xchg " + reg(modReg, osz()) + "," + rm(osz()); }
            if (b == 0x88) { modrm(); return "mov " + reg(modReg, 1) + "," + rm(1); }
            if (b == 0x89) { modrm(); return "mov " + reg(modReg, osz()) + "," + rm(osz()); }
            if (b == 0x8B) { modrm(); return "mov " + rm(osz()) + "," + reg(modReg, osz()); }
            if (b == 0x90) return rep ? "pause" : "nop";
            if (b == 0x99) return w() ? "cqto" : "cltd";
            if (b >= 0xB8 && b <= 0xBF) {
                int r = (b - 0xB8) | rexB();
                if (w()) return "movabs " + imm(s64(), 8) + "," + reg(r, 8);
                return "mov " + imm(osz() == 2 ? u16() : s32(), osz()) + "," + reg(r, osz());
            }
            if (b == 0xC1 || b == 0xD1 || b == 0xD3) {
                modrm();
                String op = SHIFT[modReg & 7];
                String sfx = mem != null ? suffix(osz()) : "";
                if (b == 0xC1) return op + sfx + " " + imm(u8(), 1) + "," + rm(osz());
                if (b == 0xD1) return op + sfx + " " + rm(osz());
                return op + sfx + " %cl," + rm(osz());
            }
            if (b == 0xC3) return "ret";
            if (b == 0xC6 || b == 0xC7) {
                modrm();
                if ((modReg & 7) != 0) throw new IllegalStateException();
                int size = b == 0xC6 ? 1 : osz();
                long v = size == 1 ? s8() : size == 2 ? (short) u16() : s32();
                return "mov" + (mem != null ? suffix(size) : "") + " " + imm(v, size) + "," + rm(size);
            }
            if (b == 0xC9) return "leave";
            if (b == 0xCC) return "int3";
            if (b == 0xE8) { long rel = s32(); return "call " + target(rel); }
            if (b == 0xE9) { long rel = s32(); return "jmp " + target(rel); }
            if (b == 0xEB) { long rel = s8(); return "jmp " + target(rel); }
            if (b == 0xF7) {
                modrm();
                String sfx = mem != null ? suffix(osz()) : "";
                return switch (modReg & 7) {
                    case 0 -> "test" + sfx + " " + imm(s32(), osz()) + "," + rm(osz());
                    case 2 -> "not" + sfx + " " + rm(osz());
                    case 3 -> "neg" + sfx + " " + rm(osz());
                    case 4 -> "mul" + sfx + " " + rm(osz());
                    case 5 -> "imul" + sfx + " " + rm(osz());
                    case 6 -> "div" + sfx + " " + rm(osz());
                    default -> "idiv" + sfx + " " + rm(osz());
                };
            }
            throw new IllegalStateException("unknown opcode");
        }

        String twoByte(String lk) {
            int b = u8();
            if (b == 0x1E && rep && (c[at] & 0xFF) == 0xFA) { at++; return "endbr64"; }
            if (b == 0x1F) { modrm(); return "nop" + suffix(osz()) + " " + rm(osz()); }
            if (b == 0x20 || b == 0x22) {
                int m = u8();
                String cr = "%cr" + (((m >> 3) & 7) | rexR());
                String gp = reg((m & 7) | rexB(), 8);
                return b == 0x20 ? "mov " + cr + "," + gp : "mov " + gp + "," + cr;
            }
            if (b >= 0x40 && b <= 0x4F) { modrm(); return "cmov" + CC[b - 0x40] + " " + rm(osz()) + "," + reg(modReg, osz()); }
            if (b >= 0x80 && b <= 0x8F) { long rel = s32(); return "j" + CC[b - 0x80] + " " + target(rel); }
            if (b == 0xAE && (c[at] & 0xFF) == 0xE8) { at++; return "lfence"; }
            if (b == 0xAF) { modrm(); return "imul " + rm(osz()) + "," + reg(modReg, osz()); }
            if (b == 0xB1) { modrm(); return lk + "cmpxchg " + reg(modReg, osz()) + "," + rm(osz()); }
            if (b == 0xC1) { modrm(); return lk + "xadd " + reg(modReg, osz()) + "," + rm(osz()); }
            if (b == 0xB6 || b == 0xB7 || b == 0xBE || b == 0xBF) {
                modrm();
                int from = (b & 1) == 0 ? 1 : 2;
                String op = (b < 0xB8 ? "movz" : "movs") + suffix(from) + suffix(osz());
                return op + " " + rm(from) + "," + reg(modReg, osz());
            }
            if (b >= 0xC8 && b <= 0xCF) return "bswap " + reg((b - 0xC8) | rexB(), osz());
            throw new IllegalStateException("unknown opcode 0f");
        }

        /** 3-byte VEX: shlx/shrx/sarx (map 0F38, opcode F7), the only VEX forms the JIT emits. */
        String vex() {
            int b1 = u8(), b2 = u8();
            if ((b1 & 0x1F) != 2) throw new IllegalStateException("VEX map");
            int op = u8();
            if (op != 0xF7) throw new IllegalStateException("VEX opcode");
            rex = 0x40 | (b2 & 0x80) >> 4 | ((b1 & 0x80) == 0 ? 4 : 0) | ((b1 & 0x40) == 0 ? 2 : 0) | ((b1 & 0x20) == 0 ? 1 : 0);
            int vvvv = (~b2 >> 3) & 0xF;
            String name = switch (b2 & 3) {
                case 1 -> "shlx";
                case 2 -> "sarx";
                case 3 -> "shrx";
                default -> throw new IllegalStateException("VEX pp");
            };
            modrm();
            int size = w() ? 8 : 4;
            return name + " " + reg(vvvv, size) + "," + rm(size) + "," + reg(modReg, size);
        }
    }
}
