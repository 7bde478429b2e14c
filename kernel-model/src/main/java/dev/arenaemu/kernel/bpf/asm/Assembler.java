package dev.arenaemu.kernel.bpf.asm;

import static dev.arenaemu.kernel.bpf.isa.Bpf.*;

import dev.arenaemu.kernel.bpf.asm.Lexer.Kind;
import dev.arenaemu.kernel.bpf.asm.Lexer.Token;
import dev.arenaemu.kernel.bpf.isa.BpfProgram;
import dev.arenaemu.kernel.bpf.isa.Insn;
import dev.arenaemu.kernel.bpf.isa.Kfunc;
import dev.arenaemu.kernel.bpf.isa.Reloc;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the llvm-objdump / kernel verifier-log syntax that {@link Disassembler} prints, plus
 * labels ({@code loop:}, {@code goto loop}, {@code if r1 > 3 goto loop}, {@code call subprog})
 * and comments after ';', '#' or '//'. Immediates are decimal or 0x-hex with an optional sign.
 * Errors are {@link AsmException}s carrying line and column.
 */
public final class Assembler {
    private final List<Insn> insns = new ArrayList<>();
    private final List<Reloc> relocs = new ArrayList<>();
    private final Map<String, Integer> labels = new HashMap<>();
    private final List<Fixup> fixups = new ArrayList<>();
    private List<Token> toks;
    private int pos;
    private int lineNo;

    /** A jump or call whose target is a label resolved after the whole text is read. */
    private record Fixup(int slot, Token label, boolean isCall, boolean isGotol, int line) {}

    private Assembler() {}

    public static BpfProgram assemble(String name, String section, String source) {
        return new Assembler().run(name, section, source);
    }

    /** Assembles a fragment with no relocations, e.g. for tests: "r0 = 0\nexit". */
    public static List<Insn> insns(String source) {
        return assemble("prog", "syscall", source).insns();
    }

    private BpfProgram run(String name, String section, String source) {
        String[] lines = source.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            lineNo = i + 1;
            toks = Lexer.tokens(lines[i], lineNo);
            pos = 0;
            while (peek().kind() == Kind.IDENT && toks.get(pos + 1).is(":")) {
                Token label = next();
                next();
                if (labels.putIfAbsent(label.text(), insns.size()) != null) throw error(label, "duplicate label '" + label.text() + "'");
            }
            if (peek().kind() != Kind.END) statement();
            expect(Kind.END);
        }
        for (Fixup f : fixups) resolve(f);
        return new BpfProgram(name, section, insns, relocs);
    }

    private void resolve(Fixup f) {
        Integer target = labels.get(f.label().text());
        Insn insn = insns.get(f.slot());
        if (target == null) {
            throw new AsmException(f.line(), f.label().column(),
                (f.isCall() ? "unknown function '" : "unknown label '") + f.label().text() + "'");
        }
        int delta = target - (f.slot() + 1);
        if (!f.isCall() && !f.isGotol() && (delta < Short.MIN_VALUE || delta > Short.MAX_VALUE)) {
            throw new AsmException(f.line(), f.label().column(), "jump to '" + f.label().text() + "' does not fit in 16 bits");
        }
        insns.set(f.slot(), f.isCall() || f.isGotol() ? insn.withImm(delta) : insn.withOff(delta));
    }

    // ---- statements ---------------------------------------------------------------------

    private void statement() {
        Token first = peek();
        if (first.is("exit")) {
            next();
            emit(new Insn(JMP | EXIT, 0, 0, 0, 0));
        } else if (first.is("goto") || first.is("gotol")) {
            next();
            jumpTarget(new Insn(first.is("goto") ? JMP | JA : JMP32 | JA, 0, 0, 0, 0), first.is("gotol"));
        } else if (first.is("call")) {
            next();
            call();
        } else if (first.is("if")) {
            next();
            conditional();
        } else if (first.is("lock")) {
            next();
            lockedAlu();
        } else if (first.is("*")) {
            store();
        } else if (first.is("store_release")) {
            next();
            expect("(");
            Mem m = typedMem();
            expect(",");
            Reg v = reg();
            expect(")");
            checkWidth(v, m.size() == DW, v.token());
            emit(new Insn(STX | ATOMIC | m.size(), m.base(), v.num(), m.off(), STORE_REL));
        } else {
            Reg dst = reg();
            assignment(dst);
        }
    }

    private void call() {
        Token t = peek();
        if (t.is("pc")) {
            next();
            emit(new Insn(JMP | CALL, 0, PSEUDO_CALL, 0, (int) signedNumber()));
        } else if (t.kind() == Kind.IDENT) {
            next();
            Optional<Kfunc> kfunc = Kfunc.bySymbol(t.text());
            if (kfunc.isPresent()) {
                emit(new Insn(JMP | CALL, 0, PSEUDO_KFUNC_CALL, 0, kfunc.get().id));
            } else {
                fixups.add(new Fixup(insns.size(), t, true, false, lineNo));
                emit(new Insn(JMP | CALL, 0, PSEUDO_CALL, 0, 0));
            }
        } else {
            emit(new Insn(JMP | CALL, 0, 0, 0, (int) checkS32(t, signedNumber())));
        }
    }

    private void jumpTarget(Insn insn, boolean gotol) {
        Token t = peek();
        if (t.kind() == Kind.IDENT) {
            next();
            fixups.add(new Fixup(insns.size(), t, false, gotol, lineNo));
            emit(insn);
        } else {
            long delta = signedNumber();
            emit(gotol ? insn.withImm((int) checkS32(t, delta)) : insn.withOff(checkS16(t, delta)));
        }
    }

    private void conditional() {
        Reg dst = reg();
        Token opTok = next();
        Integer op = AsmSyntax.JMP_OPERATORS.get(opTok.text());
        if (op == null || opTok.kind() != Kind.PUNCT) throw error(opTok, "expected a comparison operator");
        int cls = dst.is64() ? JMP : JMP32;
        Insn insn;
        if (peekReg()) {
            Reg src = reg();
            checkWidth(src, dst.is64(), src.token());
            insn = new Insn(cls | op | X, dst.num(), src.num(), 0, 0);
        } else {
            Token t = peek();
            insn = new Insn(cls | op | K, dst.num(), 0, 0, (int) checkImm32(t, signedNumber()));
        }
        expect("goto");
        jumpTarget(insn, false);
    }

    private void lockedAlu() {
        Mem m = typedMem();
        Token opTok = next();
        Integer op = AsmSyntax.ALU_OPERATORS.get(opTok.text());
        if (op == null || !(op == ADD || op == OR || op == AND || op == XOR)) throw error(opTok, "expected +=, |=, &= or ^=");
        Reg src = reg();
        checkWidth(src, m.size() == DW, src.token());
        emit(new Insn(STX | ATOMIC | m.size(), m.base(), src.num(), m.off(), op));
    }

    private void store() {
        Mem m = typedMem();
        expect("=");
        if (peekReg()) {
            Reg src = reg();
            emit(new Insn(STX | MEM | m.size(), m.base(), src.num(), m.off(), 0));
        } else {
            Token t = peek();
            emit(new Insn(ST | MEM | m.size(), m.base(), 0, m.off(), (int) checkImm32(t, signedNumber())));
        }
    }

    private void assignment(Reg dst) {
        Token opTok = next();
        Integer op = AsmSyntax.ALU_OPERATORS.get(opTok.text());
        boolean sdivmod = opTok.is("s/=") || opTok.is("s%=");
        if (op == null && !sdivmod) throw error(opTok, "expected an assignment operator");
        int cls = dst.is64() ? ALU64 : ALU;
        if (sdivmod) {
            aluOperand(dst, cls | (opTok.is("s/=") ? DIV : MOD), 1);
        } else if (op != MOV) {
            aluOperand(dst, cls | op, 0);
        } else {
            rightHandSide(dst, cls);
        }
    }

    private void aluOperand(Reg dst, int opcode, int off) {
        if (peekReg()) {
            Reg src = reg();
            checkWidth(src, dst.is64(), src.token());
            emit(new Insn(opcode | X, dst.num(), src.num(), off, 0));
        } else {
            Token t = peek();
            emit(new Insn(opcode | K, dst.num(), 0, off, (int) checkImm32(t, signedNumber())));
        }
    }

    private void rightHandSide(Reg dst, int cls) {
        Token t = peek();
        if (t.is("*")) {
            load(dst);
        } else if (t.is("-") && toks.get(pos + 1).kind() == Kind.IDENT) {
            next();
            Reg src = reg();
            if (src.num() != dst.num() || src.is64() != dst.is64()) throw error(src.token(), "negation must use the destination register");
            emit(new Insn(cls | NEG, dst.num(), 0, 0, 0));
        } else if (t.is("(")) {
            next();
            Token type = next();
            int bits = switch (type.text()) {
                case "s8" -> 8;
                case "s16" -> 16;
                case "s32" -> 32;
                default -> throw error(type, "expected s8, s16 or s32");
            };
            expect(")");
            Reg src = reg();
            checkWidth(src, dst.is64(), src.token());
            emit(new Insn(cls | MOV | X, dst.num(), src.num(), bits, 0));
        } else if (t.kind() == Kind.IDENT && !peekReg()) {
            named(dst, t);
        } else if (peekReg()) {
            Reg src = reg();
            checkWidth(src, dst.is64(), src.token());
            emit(new Insn(cls | MOV | X, dst.num(), src.num(), 0, 0));
        } else {
            long value = signedNumber();
            if (peek().is("ll")) {
                next();
                if (!dst.is64()) throw error(dst.token(), "ld_imm64 needs a 64-bit register");
                ldImm64(dst.num(), 0, value);
            } else {
                emit(new Insn(cls | MOV | K, dst.num(), 0, 0, (int) checkImm32(t, value)));
            }
        }
    }

    private void named(Reg dst, Token t) {
        next();
        String name = t.text();
        if (name.startsWith("atomic_fetch_")) {
            Integer op = AsmSyntax.ATOMIC_NAMES.get(name.substring("atomic_fetch_".length()));
            if (op == null) throw error(t, "unknown atomic '" + name + "'");
            expect("(");
            Mem m = typedMem();
            expect(",");
            Reg src = reg();
            expect(")");
            atomic(dst, m, src, op | FETCH, t);
        } else if (name.equals("xchg_64") || name.equals("xchg32_32")) {
            expect("(");
            Mem m = untypedMem(name.equals("xchg_64") ? DW : W);
            expect(",");
            Reg src = reg();
            expect(")");
            atomic(dst, m, src, XCHG, t);
        } else if (name.equals("cmpxchg_64") || name.equals("cmpxchg32_32")) {
            expect("(");
            Mem m = untypedMem(name.equals("cmpxchg_64") ? DW : W);
            expect(",");
            Reg r0 = reg();
            if (r0.num() != 0) throw error(r0.token(), "cmpxchg compares against r0");
            expect(",");
            Reg src = reg();
            expect(")");
            if (dst.num() != 0) throw error(dst.token(), "cmpxchg returns into r0");
            atomic(src, m, src, CMPXCHG, t);
        } else if (name.equals("load_acquire")) {
            expect("(");
            Mem m = typedMem();
            expect(")");
            emit(new Insn(STX | ATOMIC | m.size(), dst.num(), m.base(), m.off(), LOAD_ACQ));
        } else if (name.equals("addr_space_cast")) {
            expect("(");
            Reg src = reg();
            expect(",");
            long dstAs = number(peek());
            expect(",");
            long srcAs = number(peek());
            expect(")");
            if (!dst.is64() || !src.is64()) throw error(dst.token(), "addr_space_cast works on 64-bit registers");
            if (dstAs > 0xFFFF || srcAs > 0xFFFF) throw error(t, "address space out of range");
            emit(new Insn(ALU64 | MOV | X, dst.num(), src.num(), ADDR_SPACE_CAST, (int) (dstAs << 16 | srcAs)));
        } else if (name.matches("(le|be|bswap)(16|32|64)")) {
            Reg src = reg();
            if (src.num() != dst.num()) throw error(src.token(), "byte swap works in place");
            int bits = Integer.parseInt(name.substring(name.length() - 2));
            int opcode = name.startsWith("bswap") ? ALU64 | END | K : ALU | END | (name.startsWith("be") ? TO_BE : TO_LE);
            emit(new Insn(opcode, dst.num(), 0, 0, bits));
        } else if (name.equals("map") || name.equals("map_value") || name.equals("arena_global")) {
            mapReference(dst, t);
        } else {
            throw error(t, "unknown operand '" + name + "'");
        }
    }

    private void atomic(Reg dst, Mem m, Reg src, int imm, Token at) {
        if (dst.num() != src.num()) throw error(at, "the fetched value goes to the source register");
        checkWidth(src, m.size() == DW, src.token());
        emit(new Insn(STX | ATOMIC | m.size(), m.base(), src.num(), m.off(), imm));
    }

    private void mapReference(Reg dst, Token kind) {
        expect("[");
        int slot = insns.size();
        switch (kind.text()) {
            case "map" -> {
                Token name = next();
                if (name.kind() != Kind.IDENT) throw error(name, "expected a map name");
                relocs.add(new Reloc.MapFd(slot, name.text()));
                expect("]");
                ldImm64(dst.num(), PSEUDO_MAP_FD, 0);
            }
            case "map_value" -> {
                Token name = next();
                if (name.kind() != Kind.IDENT) throw error(name, "expected a map name");
                long off = 0;
                if (peek().is("+")) {
                    next();
                    Token at = peek();
                    off = number(at);
                    if (off > 0xFFFF_FFFFL) throw error(at, "map value offset does not fit in 32 bits");
                }
                relocs.add(new Reloc.MapValue(slot, name.text(), off));
                expect("]");
                ldImm64(dst.num(), PSEUDO_MAP_VALUE, off << 32);
            }
            default -> {
                Token at = peek();
                long off = number(at);
                if (off > 0xFFFF_FFFFL) throw error(at, "arena global offset does not fit in 32 bits");
                relocs.add(new Reloc.ArenaGlobal(slot, "arena", off));
                expect("]");
                ldImm64(dst.num(), PSEUDO_MAP_VALUE, off << 32);
            }
        }
        expect("ll");
    }

    private void ldImm64(int dst, int pseudo, long value) {
        insns.addAll(Insn.ldImm64(dst, pseudo, value));
    }

    private void load(Reg dst) {
        expect("*");
        expect("(");
        Token type = next();
        boolean signed = type.text().startsWith("s");
        int size = sizeOf(type);
        expect("*");
        expect(")");
        if (peek().is("skb")) {
            next();
            packetLoad(dst, size, type);
            return;
        }
        Mem m = baseOffset(size);
        if (signed && size == DW) throw error(type, "no sign-extending 64-bit load");
        if (!dst.is64() && !signed && size == DW) throw error(dst.token(), "64-bit load into a 32-bit register");
        emit(new Insn(LDX | (signed ? MEMSX : MEM) | size, dst.num(), m.base(), m.off(), 0));
    }

    /** Legacy {@code r0 = *(u8 *)skb[imm]} (BPF_ABS) and {@code r0 = *(u8 *)skb[rS + imm]} (BPF_IND). */
    private void packetLoad(Reg dst, int size, Token type) {
        if (dst.num() != 0 || type.text().startsWith("s")) throw error(dst.token(), "packet loads go to r0 and are unsigned");
        expect("[");
        if (peekReg()) {
            Reg src = reg();
            long imm = peek().is("+") || peek().is("-") ? checkS32(peek(), signedNumber()) : 0;
            expect("]");
            emit(new Insn(LD | IND | size, 0, src.num(), 0, (int) imm));
        } else {
            Token t = peek();
            long imm = checkImm32(t, signedNumber());
            expect("]");
            emit(new Insn(LD | ABS | size, 0, 0, 0, (int) imm));
        }
    }

    // ---- operands -----------------------------------------------------------------------

    private record Reg(int num, boolean is64, Token token) {}

    private record Mem(int size, int base, int off) {}

    /** {@code *(u32 *)(r1 + 8)} after the leading '*' or {@code (u32 *)(r1 + 8)}. */
    private Mem typedMem() {
        if (peek().is("*")) next();
        expect("(");
        Token type = next();
        if (!type.text().startsWith("u")) throw error(type, "expected u8, u16, u32 or u64");
        int size = sizeOf(type);
        expect("*");
        expect(")");
        return baseOffset(size);
    }

    /** {@code r1 + 8} without parentheses, as in xchg_64(r1 + 8, r2). */
    private Mem untypedMem(int size) {
        Reg base = reg();
        int off = 0;
        if (peek().is("+") || peek().is("-")) off = checkS16(peek(), signedNumber());
        return new Mem(size, base.num(), off);
    }

    private Mem baseOffset(int size) {
        expect("(");
        Reg base = reg();
        if (!base.is64()) throw error(base.token(), "address register must be a 64-bit register");
        int off = 0;
        if (peek().is("+") || peek().is("-")) off = checkS16(peek(), signedNumber());
        expect(")");
        return new Mem(size, base.num(), off);
    }

    private int sizeOf(Token type) {
        return switch (type.text().substring(1)) {
            case "8" -> B;
            case "16" -> H;
            case "32" -> W;
            case "64" -> DW;
            default -> throw error(type, "expected a width of 8, 16, 32 or 64");
        };
    }

    private boolean peekReg() {
        Token t = peek();
        return t.kind() == Kind.IDENT && t.text().matches("[rw](10|[0-9])");
    }

    private Reg reg() {
        Token t = next();
        if (t.kind() != Kind.IDENT || !t.text().matches("[rw](10|[0-9])")) throw error(t, "expected a register, got '" + t.text() + "'");
        return new Reg(Integer.parseInt(t.text().substring(1)), t.text().charAt(0) == 'r', t);
    }

    private void checkWidth(Reg r, boolean want64, Token at) {
        if (r.is64() != want64) throw error(at, "register width mismatch: expected " + (want64 ? "r" : "w") + r.num());
    }

    private long signedNumber() {
        Token t = peek();
        boolean negative = false;
        if (t.is("-") || t.is("+")) {
            negative = t.is("-");
            next();
        }
        long v = number(peek());
        return negative ? -v : v;
    }

    private long number(Token t) {
        next();
        if (t.kind() != Kind.NUMBER) throw error(t, "expected a number, got '" + t.text() + "'");
        try {
            String s = t.text();
            return s.startsWith("0x") || s.startsWith("0X") ? Long.parseUnsignedLong(s.substring(2), 16) : Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw error(t, "bad number '" + t.text() + "'");
        }
    }

    private int checkS16(Token at, long v) {
        if (v < Short.MIN_VALUE || v > Short.MAX_VALUE) throw error(at, "offset " + v + " does not fit in 16 bits");
        return (int) v;
    }

    private long checkS32(Token at, long v) {
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) throw error(at, "value " + v + " does not fit in 32 bits");
        return v;
    }

    /** 32-bit immediates are sign-extended by the CPU; accept both signed and unsigned spellings. */
    private long checkImm32(Token at, long v) {
        if (v < Integer.MIN_VALUE || v > 0xFFFF_FFFFL) throw error(at, "immediate " + v + " does not fit in 32 bits");
        return v;
    }

    // ---- token plumbing -----------------------------------------------------------------

    private void emit(Insn insn) {
        insns.add(insn);
    }

    private Token peek() {
        return toks.get(pos);
    }

    private Token next() {
        Token t = toks.get(pos);
        if (t.kind() != Kind.END) pos++;
        return t;
    }

    private void expect(String text) {
        Token t = next();
        if (!t.is(text)) throw error(t, "expected '" + text + "', got '" + t.text() + "'");
    }

    private void expect(Kind kind) {
        Token t = peek();
        if (t.kind() != kind) throw error(t, "unexpected '" + t.text() + "'");
    }

    private AsmException error(Token at, String message) {
        return new AsmException(lineNo, at.column(), message);
    }
}
