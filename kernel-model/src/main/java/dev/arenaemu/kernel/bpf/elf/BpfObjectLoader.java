package dev.arenaemu.kernel.bpf.elf;

import static dev.arenaemu.kernel.bpf.elf.ElfFile.*;

import dev.arenaemu.kernel.bpf.elf.ElfFile.Section;
import dev.arenaemu.kernel.bpf.elf.ElfFile.Symbol;
import dev.arenaemu.kernel.bpf.isa.Bpf;
import dev.arenaemu.kernel.bpf.isa.BpfProgram;
import dev.arenaemu.kernel.bpf.isa.FuncInfo;
import dev.arenaemu.kernel.bpf.isa.Insn;
import dev.arenaemu.kernel.bpf.isa.InsnValidity;
import dev.arenaemu.kernel.bpf.isa.Kfunc;
import dev.arenaemu.kernel.bpf.isa.Reloc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a {@code clang-19 -target bpf -O2 -c} object into a {@link BpfObject}, doing what libbpf's
 * bpf_object__open does: collect programs per SEC, maps from the BTF ".maps" DATASEC, global data
 * sections, and record relocations (bpf_program__record_reloc); then statically link each
 * program with the subprograms it calls (bpf_object__reloc_code), resolving kfunc externs by name.
 */
public final class BpfObjectLoader {
    static final int R_BPF_64_64 = 1, R_BPF_64_32 = 10;
    /** Data sections larger than this are refused instead of allocated (a 4 GiB arena is the limit anyway). */
    private static final long MAX_DATA_SECTION = 1L << 30;

    private final ElfFile elf;
    private final List<MapDefinition> maps = new ArrayList<>();
    private final List<DataSection> data = new ArrayList<>();
    private final Map<Integer, Map<Long, Rel>> relsBySection = new HashMap<>();

    /** One relocation entry: the symbol it names and its type, plus where it sits in the file. */
    private record Rel(Symbol symbol, int type, long fileOffset) {}

    /** A function (program or subprogram) inside an executable section, in instruction units. */
    private record Func(Section section, String name, long start, long length) {}

    private BpfObjectLoader(byte[] file) {
        elf = new ElfFile(file);
    }

    public static BpfObject load(byte[] file) {
        return new BpfObjectLoader(file).run();
    }

    public static BpfObject load(Path path) {
        try {
            return load(Files.readAllBytes(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private BpfObject run() {
        readMaps();
        readDataSections();
        readRelocations();
        List<BpfProgram> programs = new ArrayList<>();
        for (Section s : elf.sections) {
            if (!s.isExec() || s.name().equals(".text") || s.size() == 0) continue;
            for (Func f : functions(s)) programs.add(link(f));
        }
        String license = elf.section("license").map(s -> elf.contents(s).cstring(0, "license")).orElse("");
        return new BpfObject(programs, maps, data, license);
    }

    // ---- maps -------------------------------------------------------------------------------

    private void readMaps() {
        Optional<Section> mapsSec = elf.section(".maps");
        if (mapsSec.isEmpty()) return;
        Section btfSec = elf.section(".BTF").orElseThrow(() -> new ElfException(mapsSec.get().headerOffset(), ".maps needs .BTF to describe the maps"));
        Btf btf = new Btf(elf.contents(btfSec));
        Btf.Type datasec = btf.datasec(".maps").orElseThrow(() -> new ElfException(elf.contents(btfSec).fileOffset(0), "no DATASEC '.maps' in .BTF"));
        for (Btf.Type var : btf.datasecVars(datasec)) {
            Symbol sym = elf.symbols.stream().filter(s -> s.shndx() == mapsSec.get().index() && s.name().equals(var.name())).findFirst()
                .orElseThrow(() -> new ElfException(var.fileOffset(), "map '" + var.name() + "' has no symbol in .maps"));
            maps.add(mapDefinition(btf, var, sym.value()));
        }
        if (maps.stream().filter(MapDefinition::isArena).count() > 1) {
            throw new ElfException(mapsSec.get().offset(), "only single ARENA map is supported");
        }
    }

    /** parse_btf_map_def: each member of the definition struct names one attribute. */
    private static MapDefinition mapDefinition(Btf btf, Btf.Type var, long symbolOffset) {
        Btf.Type def = btf.resolve(btf.type(var.sizeOrType(), var.fileOffset()));
        int type = 0;
        long keySize = 0, valueSize = 0, maxEntries = 0, flags = 0, extra = 0;
        for (Btf.Member m : btf.members(def)) {
            switch (m.name()) {
                case "type" -> type = (int) btf.uintValue(m);
                case "max_entries" -> maxEntries = btf.uintValue(m);
                case "map_flags" -> flags = btf.uintValue(m);
                case "map_extra" -> extra = btf.ulongValue(m);
                case "key_size" -> keySize = btf.uintValue(m);
                case "value_size" -> valueSize = btf.uintValue(m);
                case "key" -> keySize = btf.pointeeSize(m);
                case "value" -> valueSize = btf.pointeeSize(m);
                case "numa_node", "pinning" -> btf.uintValue(m);
                default -> throw new ElfException(m.fileOffset(), "map '" + var.name() + "': unknown field '" + m.name() + "'");
            }
        }
        return new MapDefinition(var.name(), type, keySize, valueSize, maxEntries, flags, extra, symbolOffset);
    }

    // ---- global data ------------------------------------------------------------------------

    private static boolean isDataSection(String name) {
        return name.equals(DataSection.ARENA) || name.equals(".bss") || name.equals(".data") || name.equals(".rodata")
            || name.startsWith(".bss.") || name.startsWith(".data.") || name.startsWith(".rodata.");
    }

    private void readDataSections() {
        for (Section s : elf.sections) {
            if (!isDataSection(s.name()) || (s.flags() & SHF_ALLOC) == 0) continue;
            if (s.size() > MAX_DATA_SECTION) throw new ElfException(s.headerOffset() + 32, "section " + s.name() + " of " + s.size() + " bytes is too large");
            byte[] image = s.type() == SHT_NOBITS ? new byte[(int) s.size()] : elf.contents(s).bytes(0, s.size(), s.name());
            boolean readOnly = (s.flags() & SHF_WRITE) == 0;
            List<DataSection.Variable> vars = elf.symbols.stream()
                .filter(sym -> sym.shndx() == s.index() && sym.type() == STT_OBJECT)
                .map(sym -> new DataSection.Variable(sym.name(), sym.value(), sym.size())).toList();
            Optional<String> lockVar = btf().flatMap(b -> b.spinLockVariable(s.name()));
            long spinLock = DataSection.NO_SPIN_LOCK;
            if (lockVar.isPresent()) {
                spinLock = vars.stream().filter(v -> v.name().equals(lockVar.get())).findFirst()
                    .orElseThrow(() -> new ElfException(s.headerOffset(), "bpf_spin_lock '" + lockVar.get() + "' has no symbol in " + s.name()))
                    .offset();
            }
            data.add(new DataSection(s.name(), s.size(), image, readOnly, vars, spinLock));
            if (s.name().equals(DataSection.ARENA)) {
                if (maps.stream().noneMatch(MapDefinition::isArena)) {
                    throw new ElfException(s.headerOffset(), "global __arena variables (" + DataSection.ARENA + ") need an ARENA map");
                }
            } else {
                long flags = MapDefinition.BPF_F_MMAPABLE | (readOnly ? MapDefinition.BPF_F_RDONLY_PROG : 0);
                maps.add(new MapDefinition(s.name(), MapDefinition.BPF_MAP_TYPE_ARRAY, 4, s.size(), 1, flags, 0, -1));
            }
        }
    }

    /** The object's .BTF, if it has one. */
    private Optional<Btf> btf() {
        return elf.section(".BTF").map(sec -> new Btf(elf.contents(sec)));
    }

    private Optional<Section> dataSection(int index) {
        Section s = elf.sections.get(index);
        return isDataSection(s.name()) ? Optional.of(s) : Optional.empty();
    }

    // ---- relocations ------------------------------------------------------------------------

    private void readRelocations() {
        for (Section rel : elf.sections) {
            if (rel.type() != SHT_REL) continue;
            if (rel.info() <= 0 || rel.info() >= elf.sections.size()) throw new ElfException(rel.headerOffset() + 44, "sh_info " + rel.info() + " of " + rel.name() + " is not a section");
            Section target = elf.sections.get(rel.info());
            if (!target.isExec()) continue; // .rel.BTF, .rel.debug_*: not needed to load
            if (rel.entsize() != 16) throw new ElfException(rel.headerOffset() + 56, "relocation entry size " + rel.entsize() + " is not 16");
            ElfBytes entries = elf.contents(rel);
            Map<Long, Rel> byInsn = relsBySection.computeIfAbsent(target.index(), k -> new HashMap<>());
            for (long e = 0; e + 16 <= rel.size(); e += 16) {
                long offset = entries.u64(e);
                long info = entries.u64(e + 8);
                long at = entries.fileOffset(e);
                int type = (int) info;
                if (type != R_BPF_64_64 && type != R_BPF_64_32) throw new ElfException(at + 8, "unknown relocation type " + type + " in " + rel.name());
                if (offset % 8 != 0 || offset >= target.size()) throw new ElfException(at, "relocation offset 0x" + Long.toHexString(offset) + " outside " + target.name());
                byInsn.put(offset / 8, new Rel(elf.symbol((int) (info >>> 32), at + 12), type, at));
            }
        }
    }

    // ---- programs and static linking --------------------------------------------------------

    private List<Func> functions(Section s) {
        List<Func> out = new ArrayList<>();
        for (Symbol sym : elf.symbols) {
            if (sym.shndx() != s.index() || sym.type() != STT_FUNC) continue;
            if (sym.value() % 8 != 0 || sym.size() % 8 != 0 || sym.size() == 0 || sym.value() + sym.size() > s.size()) {
                throw new ElfException(sym.fileOffset(), "function '" + sym.name() + "' does not cover whole instructions of " + s.name());
            }
            if (!s.name().equals(".text") && sym.bind() == STB_LOCAL) {
                throw new ElfException(sym.fileOffset(), "sec '" + s.name() + "': program '" + sym.name() + "' is static and not supported");
            }
            out.add(new Func(s, sym.name(), sym.value() / 8, sym.size() / 8));
        }
        return out;
    }

    private BpfProgram link(Func entry) {
        List<Insn> out = new ArrayList<>();
        List<Reloc> relocs = new ArrayList<>();
        Map<String, Integer> placed = new HashMap<>();
        Deque<Func> work = new ArrayDeque<>();
        place(entry, out, placed, work);
        while (!work.isEmpty()) {
            Func f = work.pop();
            int base = placed.get(key(f));
            ElfBytes code = elf.contents(f.section());
            for (long i = 0; i < f.length(); i++) {
                int at = (int) (base + i);
                Insn insn = out.get(at);
                Rel rel = relsBySection.getOrDefault(f.section().index(), Map.of()).get(f.start() + i);
                long fileOff = code.fileOffset((f.start() + i) * 8);
                if (insn.isLdImm64()) {
                    if (rel != null) resolveData(rel, out, at, relocs, fileOff);
                    i++;
                } else if (insn.isCall() && insn.src() == Bpf.PSEUDO_CALL) {
                    out.set(at, resolveCall(f, f.start() + i, insn, rel, at, out, placed, work, fileOff));
                } else if (rel != null) {
                    throw new ElfException(rel.fileOffset(), "relocation against '" + rel.symbol().name() + "' at insn " + (f.start() + i)
                        + " of " + f.section().name() + " which is neither ld_imm64 nor a call");
                }
            }
        }
        return new BpfProgram(entry.name(), entry.section().name(), out, relocs, funcInfo(placed));
    }

    /**
     * libbpf's func_info for a linked program: the .BTF.ext record of every placed function, at
     * its linked start, in instruction order. Without .BTF.ext (or a record for each function)
     * libbpf passes none, and the kernel then treats every subprogram as static.
     */
    private List<FuncInfo> funcInfo(Map<String, Integer> placed) {
        Optional<Section> extSec = elf.section(".BTF.ext");
        Optional<Btf> btf = btf();
        if (extSec.isEmpty() || btf.isEmpty()) return List.of();
        BtfExt ext = new BtfExt(elf.contents(extSec.get()), btf.get());
        List<FuncInfo> out = new ArrayList<>();
        for (Section s : elf.sections) {
            if (!s.isExec()) continue;
            for (Func f : functions(s)) {
                Integer at = placed.get(key(f));
                if (at == null) continue;
                Optional<BtfExt.Record> rec = ext.at(s.name(), f.start());
                if (rec.isEmpty()) return List.of();
                out.add(btf.get().funcInfo(rec.get().typeId(), at, rec.get().fileOffset()));
            }
        }
        out.sort(java.util.Comparator.comparingInt(FuncInfo::insn));
        return out;
    }

    private static String key(Func f) {
        return f.section().index() + ":" + f.start();
    }

    private void place(Func f, List<Insn> out, Map<String, Integer> placed, Deque<Func> work) {
        placed.put(key(f), out.size());
        ElfBytes code = elf.contents(f.section());
        List<Insn> body = new ArrayList<>();
        for (long i = 0; i < f.length(); i++) body.add(Insn.decode(code.u64((f.start() + i) * 8)));
        for (int i = 0; i < body.size(); i++) {
            int index = i;
            InsnValidity.problem(body, i, false).ifPresent(p -> {
                throw new ElfException(code.fileOffset((f.start() + index) * 8), "insn " + (f.start() + index) + " of " + f.section().name() + ": " + p);
            });
            if (body.get(i).isLdImm64()) i++;
        }
        out.addAll(body);
        work.push(f);
    }

    private Insn resolveCall(Func f, long sectionIdx, Insn insn, Rel rel, int at, List<Insn> out, Map<String, Integer> placed,
                             Deque<Func> work, long fileOff) {
        if (rel != null && rel.type() != R_BPF_64_32) throw new ElfException(rel.fileOffset() + 8, "call relocated with type " + rel.type());
        if (rel != null && rel.symbol().shndx() == SHN_UNDEF) {
            String name = rel.symbol().name();
            Kfunc kfunc = Kfunc.bySymbol(name).orElseThrow(() -> new ElfException(rel.fileOffset(), "extern function '" + name + "' is not a known kfunc"));
            return insn.withSrc(Bpf.PSEUDO_KFUNC_CALL).withImm(kfunc.id);
        }
        if (rel != null && rel.symbol().shndx() >= SHN_LORESERVE) {
            // libbpf, bpf_program__record_reloc: a call relocation must name a symbol in a code section
            throw new ElfException(rel.fileOffset(), "bad call relo against '" + rel.symbol().name() + "' in special section 0x"
                + Integer.toHexString(rel.symbol().shndx()));
        }
        Section target = rel == null ? f.section() : elf.sections.get(rel.symbol().shndx());
        if (!target.isExec()) throw new ElfException(rel.fileOffset(), "call into non-code section " + target.name());
        // libbpf: sub_insn_idx = sym_off / BPF_INSN_SZ + insn->imm + 1 (sym_off is 0 without relocation)
        long targetIdx = (rel == null ? sectionIdx : rel.symbol().value() / 8) + insn.imm() + 1;
        Func callee = functions(target).stream().filter(g -> targetIdx >= g.start() && targetIdx < g.start() + g.length()).findFirst()
            .orElseThrow(() -> new ElfException(fileOff, "call target insn " + targetIdx + " of " + target.name() + " is in no function"));
        if (!placed.containsKey(key(callee))) place(callee, out, placed, work);
        int linkedTarget = (int) (placed.get(key(callee)) + targetIdx - callee.start());
        return insn.withImm(linkedTarget - (at + 1));
    }

    private void resolveData(Rel rel, List<Insn> out, int at, List<Reloc> relocs, long fileOff) {
        if (rel.type() != R_BPF_64_64) throw new ElfException(rel.fileOffset() + 8, "ld_imm64 relocated with type " + rel.type());
        Symbol sym = rel.symbol();
        Insn first = out.get(at);
        if (sym.shndx() == SHN_UNDEF || sym.shndx() >= SHN_LORESERVE) {
            throw new ElfException(rel.fileOffset(), "unsupported extern or special symbol '" + sym.name() + "' in ld_imm64");
        }
        Section s = elf.sections.get(sym.shndx());
        long offset = sym.value() + first.imm();
        if (s.name().equals(".maps")) {
            MapDefinition map = maps.stream().filter(m -> m.symbolOffset() == offset).findFirst()
                .orElseThrow(() -> new ElfException(rel.fileOffset(), "no map at offset " + offset + " of .maps"));
            out.set(at, first.withSrc(Bpf.PSEUDO_MAP_FD).withImm(0));
            relocs.add(new Reloc.MapFd(at, map.name()));
            return;
        }
        if (dataSection(s.index()).isEmpty()) throw new ElfException(rel.fileOffset(), "ld_imm64 refers to section " + s.name() + " which holds no data");
        if (offset < 0 || offset > s.size()) throw new ElfException(fileOff, "offset " + offset + " outside " + s.name());
        out.set(at, first.withSrc(Bpf.PSEUDO_MAP_VALUE).withImm(0));
        out.set(at + 1, out.get(at + 1).withImm((int) offset));
        if (s.name().equals(DataSection.ARENA)) {
            String arena = maps.stream().filter(MapDefinition::isArena).findFirst().orElseThrow().name();
            relocs.add(new Reloc.ArenaGlobal(at, arena, offset));
        } else {
            relocs.add(new Reloc.MapValue(at, s.name(), offset));
        }
    }
}
