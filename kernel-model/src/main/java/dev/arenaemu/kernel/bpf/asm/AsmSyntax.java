package dev.arenaemu.kernel.bpf.asm;

import static dev.arenaemu.kernel.bpf.isa.Bpf.*;

import java.util.Map;

/** Operator spellings shared by the assembler and the disassembler (llvm BPFInstrInfo.td). */
final class AsmSyntax {
    private AsmSyntax() {}

    static final Map<String, Integer> ALU_OPERATORS = Map.ofEntries(
        Map.entry("+=", ADD), Map.entry("-=", SUB), Map.entry("*=", MUL), Map.entry("/=", DIV),
        Map.entry("|=", OR), Map.entry("&=", AND), Map.entry("<<=", LSH), Map.entry(">>=", RSH),
        Map.entry("%=", MOD), Map.entry("^=", XOR), Map.entry("=", MOV), Map.entry("s>>=", ARSH));

    static final Map<String, Integer> JMP_OPERATORS = Map.ofEntries(
        Map.entry("==", JEQ), Map.entry(">", JGT), Map.entry(">=", JGE), Map.entry("&", JSET),
        Map.entry("!=", JNE), Map.entry("s>", JSGT), Map.entry("s>=", JSGE), Map.entry("<", JLT),
        Map.entry("<=", JLE), Map.entry("s<", JSLT), Map.entry("s<=", JSLE));

    static final Map<String, Integer> ATOMIC_NAMES = Map.of("add", ADD, "or", OR, "and", AND, "xor", XOR);

    static String aluOperator(int op) {
        return key(ALU_OPERATORS, op);
    }

    static String jmpOperator(int op) {
        return key(JMP_OPERATORS, op);
    }

    static String atomicName(int op) {
        return key(ATOMIC_NAMES, op);
    }

    private static String key(Map<String, Integer> map, int value) {
        return map.entrySet().stream().filter(e -> e.getValue() == value).map(Map.Entry::getKey).findFirst()
            .orElseThrow(() -> new IllegalArgumentException("no operator for 0x" + Integer.toHexString(value)));
    }
}
