package dev.arenaemu.kernel.bpf.isa;

/** Opcode field values from RFC 9669 and include/uapi/linux/bpf.h / bpf_common.h. */
public final class Bpf {
    private Bpf() {}

    // instruction classes
    public static final int LD = 0x00, LDX = 0x01, ST = 0x02, STX = 0x03, ALU = 0x04, JMP = 0x05, JMP32 = 0x06, ALU64 = 0x07;
    // size (load/store)
    public static final int W = 0x00, H = 0x08, B = 0x10, DW = 0x18;
    // mode (load/store)
    public static final int IMM = 0x00, ABS = 0x20, IND = 0x40, MEM = 0x60, MEMSX = 0x80, ATOMIC = 0xC0;
    /** Kernel-internal modes the verifier rewrites arena accesses to (include/linux/filter.h). */
    public static final int PROBE_MEM = 0x20, PROBE_MEMSX = 0x40, PROBE_MEM32 = 0xA0, PROBE_MEM32SX = 0xC0, PROBE_ATOMIC = 0xE0;
    // source
    public static final int K = 0x00, X = 0x08;
    // ALU ops
    public static final int ADD = 0x00, SUB = 0x10, MUL = 0x20, DIV = 0x30, OR = 0x40, AND = 0x50, LSH = 0x60, RSH = 0x70,
        NEG = 0x80, MOD = 0x90, XOR = 0xA0, MOV = 0xB0, ARSH = 0xC0, END = 0xD0;
    // JMP ops
    public static final int JA = 0x00, JEQ = 0x10, JGT = 0x20, JGE = 0x30, JSET = 0x40, JNE = 0x50, JSGT = 0x60, JSGE = 0x70,
        CALL = 0x80, EXIT = 0x90, JLT = 0xA0, JLE = 0xB0, JSLT = 0xC0, JSLE = 0xD0;
    // atomic imm values
    public static final int FETCH = 0x01, XCHG = 0xE0 | FETCH, CMPXCHG = 0xF0 | FETCH, LOAD_ACQ = 0x100, STORE_REL = 0x110;
    // LD_IMM64 src pseudo values
    public static final int PSEUDO_MAP_FD = 1, PSEUDO_MAP_VALUE = 2, PSEUDO_BTF_ID = 3, PSEUDO_FUNC = 4,
        PSEUDO_MAP_IDX = 5, PSEUDO_MAP_IDX_VALUE = 6;
    // CALL src values
    public static final int PSEUDO_CALL = 1, PSEUDO_KFUNC_CALL = 2;
    /** insn->off of the addr_space_cast instruction (ALU64 | MOV | X). */
    public static final int ADDR_SPACE_CAST = 1;

    public static final int R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5, R6 = 6, R7 = 7, R8 = 8, R9 = 9, R10 = 10;
    public static final int MAX_BPF_STACK = 512;
}
