package dev.arenaemu.kernel.bpf.elf;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The parts of an ELF64 little-endian relocatable BPF object (EM_BPF = 247) the loader needs:
 * section headers with names, and the symbol table. Parsed by hand, every offset checked.
 */
final class ElfFile {
    static final int SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_NOBITS = 8, SHT_REL = 9;
    static final long SHF_WRITE = 0x1, SHF_ALLOC = 0x2, SHF_EXECINSTR = 0x4;
    static final int SHN_UNDEF = 0, SHN_LORESERVE = 0xFF00;
    static final int STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3;
    static final int STB_LOCAL = 0, STB_GLOBAL = 1, STB_WEAK = 2;
    private static final int EM_BPF = 247;

    record Section(int index, String name, int type, long flags, long offset, long size, int link, int info, long entsize,
                   long headerOffset) {
        boolean isExec() { return type == SHT_PROGBITS && (flags & SHF_EXECINSTR) != 0; }
    }

    record Symbol(int index, String name, int info, int shndx, long value, long size, long fileOffset) {
        int type() { return info & 0xF; }

        int bind() { return info >>> 4; }
    }

    final ElfBytes bytes;
    final List<Section> sections = new ArrayList<>();
    final List<Symbol> symbols = new ArrayList<>();

    ElfFile(byte[] file) {
        bytes = new ElfBytes(file);
        if (file.length < 64) throw new ElfException(0, "file of " + file.length + " bytes is shorter than an ELF64 header");
        if (bytes.s32(0) != 0x464C457F) throw new ElfException(0, "not an ELF file (bad magic)");
        if (bytes.u8(4) != 2) throw new ElfException(4, "not ELF64 (EI_CLASS = " + bytes.u8(4) + ")");
        if (bytes.u8(5) != 1) throw new ElfException(5, "not little-endian (EI_DATA = " + bytes.u8(5) + ")");
        if (bytes.u16(18) != EM_BPF) throw new ElfException(18, "e_machine " + bytes.u16(18) + " is not EM_BPF (247)");
        long shoff = bytes.u64(0x28);
        int shentsize = bytes.u16(0x3A);
        int shnum = bytes.u16(0x3C);
        int shstrndx = bytes.u16(0x3E);
        if (shentsize != 64) throw new ElfException(0x3A, "e_shentsize " + shentsize + " is not 64");
        if (shstrndx >= shnum) throw new ElfException(0x3E, "e_shstrndx " + shstrndx + " >= e_shnum " + shnum);
        ElfBytes table = bytes.window(shoff, (long) shnum * 64, "section header table");
        List<long[]> raw = new ArrayList<>();
        for (int i = 0; i < shnum; i++) {
            long h = (long) i * 64;
            raw.add(new long[] {table.u32(h), table.u32(h + 4), table.u64(h + 8), table.u64(h + 24), table.u64(h + 32),
                table.u32(h + 40), table.u32(h + 44), table.u64(h + 56), table.fileOffset(h)});
        }
        long[] strtab = raw.get(shstrndx);
        ElfBytes names = bytes.window(strtab[3], strtab[4], "section name table");
        for (int i = 0; i < shnum; i++) {
            long[] r = raw.get(i);
            String name = i == 0 ? "" : names.cstring(r[0], "section name of section " + i);
            Section s = new Section(i, name, (int) r[1], r[2], r[3], r[4], (int) r[5], (int) r[6], r[7], r[8]);
            if (s.type() != SHT_NOBITS && i != 0) bytes.window(s.offset(), s.size(), "section " + name);
            sections.add(s);
        }
        readSymbols();
    }

    private void readSymbols() {
        Optional<Section> symtab = sections.stream().filter(s -> s.type() == SHT_SYMTAB).findFirst();
        if (symtab.isEmpty()) throw new ElfException(0, "no symbol table (SHT_SYMTAB)");
        Section st = symtab.get();
        if (st.entsize() != 24) throw new ElfException(st.headerOffset() + 56, "symbol entry size " + st.entsize() + " is not 24");
        if (st.link() <= 0 || st.link() >= sections.size()) throw new ElfException(st.headerOffset() + 40, "symtab sh_link " + st.link() + " is not a section");
        Section strs = sections.get(st.link());
        ElfBytes names = bytes.window(strs.offset(), strs.size(), "symbol name table");
        ElfBytes table = bytes.window(st.offset(), st.size(), "symbol table");
        for (int i = 0; i < st.size() / 24; i++) {
            long e = (long) i * 24;
            int shndx = table.u16(e + 6);
            if (shndx != SHN_UNDEF && shndx < SHN_LORESERVE && shndx >= sections.size()) {
                throw new ElfException(table.fileOffset(e + 6), "symbol " + i + " refers to section " + shndx + " of " + sections.size());
            }
            String name = names.cstring(table.u32(e), "name of symbol " + i);
            symbols.add(new Symbol(i, name, table.u8(e + 4), shndx, table.u64(e + 8), table.u64(e + 16), table.fileOffset(e)));
        }
    }

    Optional<Section> section(String name) {
        return sections.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    ElfBytes contents(Section s) {
        return bytes.window(s.offset(), s.size(), "section " + s.name());
    }

    Symbol symbol(int index, long relocOffset) {
        if (index <= 0 || index >= symbols.size()) throw new ElfException(relocOffset, "relocation refers to symbol " + index + " of " + symbols.size());
        return symbols.get(index);
    }

    /** The section-symbol name for STT_SECTION symbols, otherwise the symbol's own name. */
    String displayName(Symbol sym) {
        return sym.type() == STT_SECTION && sym.shndx() < sections.size() ? sections.get(sym.shndx()).name() : sym.name();
    }
}
