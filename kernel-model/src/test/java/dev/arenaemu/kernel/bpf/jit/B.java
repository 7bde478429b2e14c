package dev.arenaemu.kernel.bpf.jit;

import dev.arenaemu.kernel.bpf.isa.Bpf;
import dev.arenaemu.kernel.bpf.isa.Insn;

import java.util.ArrayList;
import java.util.List;

/** A tiny BPF program builder for tests (until the assembler lands): one method per form. */
final class B {
    private final List<Insn> insns = new ArrayList<>();

    static B prog() { return new B(); }

    List<Insn> build() { return List.copyOf(insns); }
    int size() { return insns.size(); }

    B raw(int opcode, int dst, int src, int off, int imm) { insns.add(new Insn(opcode, dst, src, off, imm)); return this; }

    B mov64(int dst, int imm) { return raw(Bpf.ALU64 | Bpf.MOV | Bpf.K, dst, 0, 0, imm); }
    B mov32(int dst, int imm) { return raw(Bpf.ALU | Bpf.MOV | Bpf.K, dst, 0, 0, imm); }
    B mov64r(int dst, int src) { return raw(Bpf.ALU64 | Bpf.MOV | Bpf.X, dst, src, 0, 0); }
    B mov32r(int dst, int src) { return raw(Bpf.ALU | Bpf.MOV | Bpf.X, dst, src, 0, 0); }
    B alu64(int op, int dst, int src) { return raw(Bpf.ALU64 | op | Bpf.X, dst, src, 0, 0); }
    B alu64i(int op, int dst, int imm) { return raw(Bpf.ALU64 | op | Bpf.K, dst, 0, 0, imm); }
    B alu32(int op, int dst, int src) { return raw(Bpf.ALU | op | Bpf.X, dst, src, 0, 0); }
    B alu32i(int op, int dst, int imm) { return raw(Bpf.ALU | op | Bpf.K, dst, 0, 0, imm); }
    B ldImm64(int dst, long value) {
        raw(Bpf.LD | Bpf.IMM | Bpf.DW, dst, 0, 0, (int) value);
        return raw(0, 0, 0, 0, (int) (value >>> 32));
    }
    B ldx(int size, int dst, int src, int off) { return raw(Bpf.LDX | Bpf.MEM | size, dst, src, off, 0); }
    B stx(int size, int dst, int src, int off) { return raw(Bpf.STX | Bpf.MEM | size, dst, src, off, 0); }
    B st(int size, int dst, int off, int imm) { return raw(Bpf.ST | Bpf.MEM | size, dst, 0, off, imm); }
    B arenaLdx(int size, int dst, int src, int off) { return raw(Bpf.LDX | Bpf.PROBE_MEM32 | size, dst, src, off, 0); }
    B arenaStx(int size, int dst, int src, int off) { return raw(Bpf.STX | Bpf.PROBE_MEM32 | size, dst, src, off, 0); }
    B arenaSt(int size, int dst, int off, int imm) { return raw(Bpf.ST | Bpf.PROBE_MEM32 | size, dst, 0, off, imm); }
    B arenaAtomic(int size, int dst, int src, int off, int op) { return raw(Bpf.STX | Bpf.PROBE_ATOMIC | size, dst, src, off, op); }
    B atomic(int size, int dst, int src, int off, int op) { return raw(Bpf.STX | Bpf.ATOMIC | size, dst, src, off, op); }
    B castUser(int dst, int src) { return raw(Bpf.ALU64 | Bpf.MOV | Bpf.X, dst, src, Bpf.ADDR_SPACE_CAST, 1 << 16); }
    B jmp(int op, int dst, int src, int off) { return raw(Bpf.JMP | op | Bpf.X, dst, src, off, 0); }
    B jmpi(int op, int dst, int imm, int off) { return raw(Bpf.JMP | op | Bpf.K, dst, 0, off, imm); }
    B ja(int off) { return raw(Bpf.JMP | Bpf.JA, 0, 0, off, 0); }
    B call(int helper) { return raw(Bpf.JMP | Bpf.CALL, 0, 0, 0, helper); }
    B callKfunc(int id) { return raw(Bpf.JMP | Bpf.CALL, 0, Bpf.PSEUDO_KFUNC_CALL, 0, id); }
    B callLocal(int rel) { return raw(Bpf.JMP | Bpf.CALL, 0, Bpf.PSEUDO_CALL, 0, rel); }
    B exit() { return raw(Bpf.JMP | Bpf.EXIT, 0, 0, 0, 0); }
}
