package dev.arenaemu.kernel.bpf.jit;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The disassembler reads back what the JIT emits, in objdump's AT&T spelling. */
class X86DisassemblerTest {
    private static List<String> dis(String hex) {
        return X86Disassembler.disassemble(HexFormat.of().parseHex(hex), 0).stream().map(X86Disassembler.Line::text).toList();
    }

    @Test
    void prologueAndEpilogue() {
        assertEquals(List.of("endbr64", "nopl 0x0(%rax,%rax,1)", "nopl (%rax)", "push %rbp", "mov %rsp,%rbp", "sub $0x10,%rsp",
                "push %r12", "movabs $0xffffc90000008000,%r12", "pop %r12", "leave", "ret", "int3"),
            dis("f30f1efa" + "0f1f440000" + "0f1f00" + "55" + "4889e5" + "4881ec10000000" + "4154" + "49bc0080000000c9ffff"
                + "415c" + "c9" + "c3" + "cc"));
    }

    @Test
    void arenaAccessesAndAtomics() {
        assertEquals(List.of("mov 0x8(%rdi,%r12,1),%rsi", "mov %esi,0x0(%rdi,%r12,1)", "movb $0x7,-0x1(%rdi,%r12,1)",
                "lock add %rsi,0x0(%rdi,%r12,1)", "xchg %rsi,0x0(%rdi,%r12,1)", "lock cmpxchg %rsi,0x0(%rdi,%r12,1)",
                "lock xadd %esi,-0x8(%rbp)"),
            dis("4a8b742708" + "4289742700" + "42c64427ff07" + "f04a01742700" + "4a87742700" + "f04a0fb1742700" + "f00fc175f8"));
    }

    @Test
    void shiftsDivisionAndJumps() {
        assertEquals(List.of("shlx %rsi,%rdi,%rdi", "shrx %esi,%r13d,%r13d", "sarx %r8,%rax,%rax", "shl %cl,%rdi", "push %rcx",
                "div %rsi", "cqto", "idiv %esi", "jne 0x1e", "jmp 0x2", "call 0x23", "cmove %r11,%rdi", "lfence"),
            dis("c4e2c9f7ff" + "c4424bf7ed" + "c4e2baf7c0" + "48d3e7" + "51" + "48f7f6" + "4899" + "f7fe" + "7502" + "ebe4"
                + "e800000000" + "490f44fb" + "0faee8"));
    }

    @Test
    void unknownBytesAreBadOneAtATime() {
        assertEquals(List.of("(bad)", "ret"), dis("06c3"));
    }
}
