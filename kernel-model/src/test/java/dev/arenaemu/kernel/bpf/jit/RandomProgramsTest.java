package dev.arenaemu.kernel.bpf.jit;

import dev.arenaemu.kernel.bpf.isa.Bpf;
import dev.arenaemu.kernel.bpf.isa.Insn;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The differential test only means something if its generator reaches every form the JIT has. */
class RandomProgramsTest {
    @Test
    void thousandProgramsCoverEveryInstructionFamilyTheJitEmits() {
        Set<String> seen = new HashSet<>();
        for (long seed = 0; seed < 1000; seed++) {
            for (Insn in : new RandomPrograms(seed).program()) {
                int mode = in.opcode() & 0xE0;
                switch (in.cls()) {
                    case Bpf.ALU, Bpf.ALU64 -> seen.add("alu" + in.cls() + "/" + (in.opcode() & 0xF0) + "/" + (in.opcode() & 8));
                    case Bpf.LDX -> seen.add("ldx/" + mode + "/" + (in.opcode() & 0x18));
                    case Bpf.ST -> seen.add("st/" + mode);
                    case Bpf.STX -> seen.add("stx/" + mode + ((mode == Bpf.ATOMIC || mode == Bpf.PROBE_ATOMIC) ? "/" + in.imm() : ""));
                    case Bpf.JMP, Bpf.JMP32 -> seen.add("jmp" + in.cls() + "/" + (in.opcode() & 0xF0) + "/" + in.src());
                    default -> { }
                }
            }
        }
        int[] aluOps = {Bpf.ADD, Bpf.SUB, Bpf.MUL, Bpf.DIV, Bpf.OR, Bpf.AND, Bpf.LSH, Bpf.RSH, Bpf.MOD, Bpf.XOR, Bpf.MOV, Bpf.ARSH, Bpf.END};
        for (int cls : new int[] {Bpf.ALU, Bpf.ALU64}) for (int op : aluOps) for (int x : new int[] {0, 8}) {
            if (op == Bpf.END && cls == Bpf.ALU64 && x == 8) continue;
            assertTrue(seen.contains("alu" + cls + "/" + op + "/" + x), "missing alu " + cls + "/" + op + "/" + x);
        }
        for (int size : new int[] {Bpf.B, Bpf.H, Bpf.W, Bpf.DW}) {
            for (int mode : new int[] {Bpf.MEM, Bpf.PROBE_MEM32}) assertTrue(seen.contains("ldx/" + mode + "/" + size), "ldx " + mode + "/" + size);
        }
        for (int op : new int[] {Bpf.ADD, Bpf.AND | Bpf.FETCH, Bpf.XCHG, Bpf.CMPXCHG, Bpf.LOAD_ACQ, Bpf.STORE_REL}) {
            assertTrue(seen.contains("stx/" + Bpf.ATOMIC + "/" + op), "stack atomic " + op);
        }
        for (int op : new int[] {Bpf.ADD, Bpf.ADD | Bpf.FETCH, Bpf.XCHG, Bpf.CMPXCHG, Bpf.LOAD_ACQ, Bpf.STORE_REL}) {
            assertTrue(seen.contains("stx/" + Bpf.PROBE_ATOMIC + "/" + op), "arena atomic " + op);
        }
        assertTrue(seen.contains("ldx/" + Bpf.PROBE_MEM32SX + "/" + Bpf.B));
        assertTrue(seen.contains("st/" + Bpf.PROBE_MEM32));
        assertTrue(seen.contains("jmp" + Bpf.JMP + "/" + Bpf.CALL + "/" + Bpf.PSEUDO_CALL));
        assertTrue(seen.contains("jmp" + Bpf.JMP + "/" + Bpf.CALL + "/" + Bpf.PSEUDO_KFUNC_CALL));
        assertTrue(seen.contains("jmp" + Bpf.JMP32 + "/" + Bpf.JA + "/0"));
    }
}
