package dev.arenaemu.kernel.bpf.isa;

/**
 * One 64-bit BPF instruction slot (RFC 9669 §3): opcode byte, 4-bit dst and src registers,
 * signed 16-bit offset, signed 32-bit immediate. A 128-bit LD_IMM64 occupies two slots; the
 * second has opcode 0 and carries the upper 32 bits of the constant in {@code imm}.
 */
public record Insn(int opcode, int dst, int src, short off, int imm) {
    public Insn {
        if ((opcode & ~0xFF) != 0 || (dst & ~0xF) != 0 || (src & ~0xF) != 0) {
            throw new IllegalArgumentException("field out of range: opcode=" + opcode + " dst=" + dst + " src=" + src);
        }
    }

    public Insn(int opcode, int dst, int src, int off, int imm) {
        this(opcode, dst, src, (short) off, imm);
        if (off < Short.MIN_VALUE || off > Short.MAX_VALUE) throw new IllegalArgumentException("offset out of s16 range: " + off);
    }

    public int cls() { return opcode & 0x07; }

    /** Little-endian encoding as in the kernel's struct bpf_insn. */
    public long encode() {
        return (opcode & 0xFFL) | ((long) (dst | (src << 4)) & 0xFF) << 8 | ((off & 0xFFFFL) << 16) | ((imm & 0xFFFF_FFFFL) << 32);
    }

    public static Insn decode(long raw) {
        int regs = (int) (raw >>> 8) & 0xFF;
        return new Insn((int) (raw & 0xFF), regs & 0xF, regs >>> 4, (short) (raw >>> 16), (int) (raw >>> 32));
    }
}
