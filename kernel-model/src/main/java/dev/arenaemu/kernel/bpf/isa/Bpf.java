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
    /**
     * Kernel-internal modes the verifier rewrites arena accesses to (include/linux/filter.h).
     * PROBE_MEM32SX is 0xC0 ("same as BPF_NOSPEC", only meaningful in class LDX), per the
     * Sept 2025 "sign extending loads from arena" patch.
     */
    public static final int PROBE_MEM = 0x20, PROBE_MEMSX = 0x40, PROBE_MEM32 = 0xA0, PROBE_MEM32SX = 0xC0, PROBE_ATOMIC = 0xE0;
    // source
    public static final int K = 0x00, X = 0x08;
    /** BPF_END source bit: K = to little endian, X = to big endian (ALU class); ALU64|END|K is bswap. */
    public static final int TO_LE = 0x00, TO_BE = 0x08;
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

    /** BPF_ADDR_SPACE_CAST imm values: cast_kern converts as1 -> as0, cast_user as0 -> as1. */
    public static final int CAST_KERN = 1, CAST_USER = 1 << 16;
    /**
     * The BPF register a read-modify-write atomic with BPF_FETCH writes the old value to: R0 for
     * BPF_CMPXCHG, {@code src} for the fetch ops and BPF_XCHG; -1 for atomics without a fetch
     * (including load-acquire and store-release, which are not read-modify-write).
     */
    public static int fetchDestination(int atomicImm, int src) {
        if (atomicImm == LOAD_ACQ || atomicImm == STORE_REL || (atomicImm & FETCH) == 0) return -1;
        return atomicImm == CMPXCHG ? R0 : src;
    }

    /** BPF_FETCH-less atomic ops reuse the ALU op values (ADD, OR, AND, XOR) in imm. */
    public static final int ATOMIC_ADD = ADD, ATOMIC_OR = OR, ATOMIC_AND = AND, ATOMIC_XOR = XOR;

    public static final int R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5, R6 = 6, R7 = 7, R8 = 8, R9 = 9, R10 = 10;
    public static final int MAX_BPF_STACK = 512;
    /** Insn count limits of bpf_prog_load(): unprivileged vs. bpf_capable() (BPF_COMPLEXITY_LIMIT_INSNS). */
    public static final int MAXINSNS = 4096, COMPLEXITY_LIMIT_INSNS = 1_000_000;

    // Opcode decomposition (BPF_CLASS, BPF_SIZE, BPF_MODE, BPF_OP, BPF_SRC of include/uapi/linux/bpf_common.h)
    public static int cls(int opcode) { return opcode & 0x07; }
    public static int size(int opcode) { return opcode & 0x18; }
    public static int mode(int opcode) { return opcode & 0xE0; }
    public static int op(int opcode) { return opcode & 0xF0; }
    public static int source(int opcode) { return opcode & 0x08; }

    /** Bytes moved by a load/store of the given size field (bpf_size_to_bytes). */
    public static int sizeBytes(int size) {
        return switch (size) {
            case W -> 4;
            case H -> 2;
            case B -> 1;
            case DW -> 8;
            default -> throw new IllegalArgumentException("not a size field: 0x" + Integer.toHexString(size));
        };
    }

    public static int sizeOfBytes(int bytes) {
        return switch (bytes) {
            case 1 -> B;
            case 2 -> H;
            case 4 -> W;
            case 8 -> DW;
            default -> throw new IllegalArgumentException("no BPF size of " + bytes + " bytes");
        };
    }
}
