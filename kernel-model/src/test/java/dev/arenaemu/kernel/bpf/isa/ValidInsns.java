package dev.arenaemu.kernel.bpf.isa;

import static dev.arenaemu.kernel.bpf.isa.Bpf.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Random instructions from every RFC 9669 instruction kind (plus the arena cast), for properties. */
public final class ValidInsns {
    private ValidInsns() {}

    private static final int[] ALU_OPS = {ADD, SUB, MUL, DIV, OR, AND, LSH, RSH, NEG, MOD, XOR, MOV, ARSH, END};
    private static final int[] JMP_OPS = {JA, JEQ, JGT, JGE, JSET, JNE, JSGT, JSGE, CALL, EXIT, JLT, JLE, JSLT, JSLE};
    private static final int[] SIZES = {B, H, W, DW};
    private static final int[] ATOMICS = {ADD, OR, AND, XOR, ADD | FETCH, OR | FETCH, AND | FETCH, XOR | FETCH, XCHG, CMPXCHG};

    /** One instruction (one or two slots) chosen by the seed. */
    public static List<Insn> random(long seed) {
        Random r = new Random(seed);
        int dst = r.nextInt(11), src = r.nextInt(11);
        short off = (short) r.nextInt();
        int imm = r.nextInt();
        return switch (r.nextInt(10)) {
            case 9 -> List.of(r.nextBoolean() ? new Insn(LD | ABS | SIZES[r.nextInt(3)], 0, 0, 0, imm)
                : new Insn(LD | IND | SIZES[r.nextInt(3)], 0, src, 0, imm));
            case 0, 1 -> List.of(alu(r, dst, src, imm));
            case 2 -> jmp(r, dst, src, off, imm);
            case 3 -> Insn.ldImm64(dst, 0, r.nextLong());
            case 4 -> {
                boolean sx = r.nextBoolean();
                int size = SIZES[r.nextInt(sx ? 3 : 4)];
                yield List.of(new Insn(LDX | (sx ? MEMSX : MEM) | size, dst, src, off, 0));
            }
            case 5 -> List.of(new Insn(ST | MEM | SIZES[r.nextInt(4)], dst, 0, off, imm));
            case 6 -> List.of(new Insn(STX | MEM | SIZES[r.nextInt(4)], dst, src, off, 0));
            case 7 -> {
                int kind = r.nextInt(ATOMICS.length + 2);
                if (kind < ATOMICS.length) {
                    int atomicSrc = ATOMICS[kind] == CMPXCHG && src == 0 ? 1 : src;
                    yield List.of(new Insn(STX | ATOMIC | (r.nextBoolean() ? W : DW), dst, atomicSrc, off, ATOMICS[kind]));
                }
                yield List.of(new Insn(STX | ATOMIC | SIZES[r.nextInt(4)], dst, src, off, kind == ATOMICS.length ? LOAD_ACQ : STORE_REL));
            }
            default -> List.of(new Insn(ALU64 | MOV | X, dst, src, ADDR_SPACE_CAST, r.nextBoolean() ? CAST_KERN : CAST_USER));
        };
    }

    private static Insn alu(Random r, int dst, int src, int imm) {
        int cls = r.nextBoolean() ? ALU64 : ALU;
        int op = ALU_OPS[r.nextInt(ALU_OPS.length)];
        boolean x = r.nextBoolean();
        if (op == NEG) return new Insn(cls | NEG, dst, 0, 0, 0);
        if (op == END) {
            int bits = new int[] {16, 32, 64}[r.nextInt(3)];
            return cls == ALU64 ? new Insn(ALU64 | END | K, dst, 0, 0, bits) : new Insn(ALU | END | (x ? TO_BE : TO_LE), dst, 0, 0, bits);
        }
        int off = 0;
        if ((op == DIV || op == MOD) && r.nextBoolean()) off = 1;
        if (op == MOV && x && r.nextBoolean()) off = cls == ALU64 ? new int[] {8, 16, 32}[r.nextInt(3)] : new int[] {8, 16}[r.nextInt(2)];
        return x ? new Insn(cls | op | X, dst, src, off, 0) : new Insn(cls | op | K, dst, 0, off, imm);
    }

    private static List<Insn> jmp(Random r, int dst, int src, short off, int imm) {
        int op = JMP_OPS[r.nextInt(JMP_OPS.length)];
        boolean is32 = r.nextBoolean() && op != CALL && op != EXIT;
        int cls = is32 ? JMP32 : JMP;
        return List.of(switch (op) {
            case EXIT -> new Insn(JMP | EXIT, 0, 0, 0, 0);
            case CALL -> new Insn(JMP | CALL, 0, r.nextInt(3) == 0 ? PSEUDO_CALL : 0, 0, r.nextInt(3) == 0 ? imm : r.nextInt(200));
            case JA -> is32 ? new Insn(JMP32 | JA, 0, 0, 0, imm) : new Insn(JMP | JA, 0, 0, off, 0);
            default -> r.nextBoolean() ? new Insn(cls | op | X, dst, src, off, 0) : new Insn(cls | op | K, dst, 0, off, imm);
        });
    }

    public static List<Insn> program(long seed, int count) {
        return flat(units(seed, count));
    }

    /** The instructions of {@link #program} one by one (an ld_imm64 pair is one unit), for reducers that drop whole instructions. */
    public static List<List<Insn>> units(long seed, int count) {
        Random r = new Random(seed);
        List<List<Insn>> out = new ArrayList<>();
        for (int i = 0; i < count; i++) out.add(random(r.nextLong()));
        return out;
    }

    public static List<Insn> flat(List<List<Insn>> units) {
        List<Insn> out = new ArrayList<>();
        units.forEach(out::addAll);
        return out;
    }
}
