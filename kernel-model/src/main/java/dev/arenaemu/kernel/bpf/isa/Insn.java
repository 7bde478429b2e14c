package dev.arenaemu.kernel.bpf.isa;

import java.util.List;

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

    public int size() { return Bpf.size(opcode); }

    public int mode() { return Bpf.mode(opcode); }

    public int op() { return Bpf.op(opcode); }

    public int source() { return Bpf.source(opcode); }

    /** First slot of the 16-byte BPF_LD | BPF_IMM | BPF_DW instruction. */
    public boolean isLdImm64() { return opcode == (Bpf.LD | Bpf.IMM | Bpf.DW); }

    /** {@code rX = addr_space_cast(rY, dst_as, src_as)}: ALU64 | MOV | X with off = BPF_ADDR_SPACE_CAST. */
    public boolean isAddrSpaceCast() { return opcode == (Bpf.ALU64 | Bpf.MOV | Bpf.X) && off == Bpf.ADDR_SPACE_CAST; }

    public boolean isCall() { return opcode == (Bpf.JMP | Bpf.CALL); }

    public boolean isExit() { return opcode == (Bpf.JMP | Bpf.EXIT); }

    public Insn withOpcode(int newOpcode) { return new Insn(newOpcode, dst, src, off, imm); }

    public Insn withSrc(int newSrc) { return new Insn(opcode, dst, newSrc, off, imm); }

    public Insn withOff(int newOff) { return new Insn(opcode, dst, src, newOff, imm); }

    public Insn withImm(int newImm) { return new Insn(opcode, dst, src, off, newImm); }

    /** The two slots of {@code dst = imm64} with the given pseudo source (0 for a plain constant). */
    public static List<Insn> ldImm64(int dst, int pseudoSrc, long value) {
        return List.of(new Insn(Bpf.LD | Bpf.IMM | Bpf.DW, dst, pseudoSrc, 0, (int) value),
            new Insn(0, 0, 0, 0, (int) (value >>> 32)));
    }

    /** The 64-bit constant of an LD_IMM64 pair. */
    public static long imm64(Insn first, Insn second) {
        return (first.imm & 0xFFFF_FFFFL) | ((long) second.imm << 32);
    }

    /** Little-endian encoding as in the kernel's struct bpf_insn. */
    public long encode() {
        return (opcode & 0xFFL) | ((long) (dst | (src << 4)) & 0xFF) << 8 | ((off & 0xFFFFL) << 16) | ((imm & 0xFFFF_FFFFL) << 32);
    }

    public static Insn decode(long raw) {
        int regs = (int) (raw >>> 8) & 0xFF;
        return new Insn((int) (raw & 0xFF), regs & 0xF, regs >>> 4, (short) (raw >>> 16), (int) (raw >>> 32));
    }
}
