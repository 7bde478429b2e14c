package dev.arenaemu.kernel.bpf.elf;

import dev.arenaemu.kernel.bpf.isa.FuncInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Just enough of the .BTF section (include/uapi/linux/btf.h) to read BTF-defined maps: the type
 * table is walked once (every kind's trailing data skipped by its size), then the ".maps"
 * DATASEC's variables and their struct members are decoded like libbpf's parse_btf_map_def;
 * FUNC types and their prototypes and {@code arg:} decl tags as btf_prepare_func_args reads them.
 */
final class Btf {
    static final int INT = 1, PTR = 2, ARRAY = 3, STRUCT = 4, UNION = 5, ENUM = 6, FWD = 7, TYPEDEF = 8, VOLATILE = 9,
        CONST = 10, RESTRICT = 11, FUNC = 12, FUNC_PROTO = 13, VAR = 14, DATASEC = 15, FLOAT = 16, DECL_TAG = 17,
        TYPE_TAG = 18, ENUM64 = 19;
    private static final int MAGIC = 0xEB9F;

    /** One btf_type; {@code data} is the window offset of the kind-specific data after the 12-byte header. */
    record Type(int id, int kind, String name, int vlen, long sizeOrType, long data, long fileOffset) {}

    /** A member of a map-definition struct: its name and the (unresolved) type id. */
    record Member(String name, int type, long fileOffset) {}

    private final ElfBytes types;
    private final ElfBytes strings;
    private final List<Type> table = new ArrayList<>();

    Btf(ElfBytes btf) {
        if (btf.u16(0) != MAGIC) throw new ElfException(btf.fileOffset(0), "bad BTF magic 0x" + Integer.toHexString(btf.u16(0)));
        long hdrLen = btf.u32(4);
        long typeOff = btf.u32(8), typeLen = btf.u32(12), strOff = btf.u32(16), strLen = btf.u32(20);
        types = btf.window(hdrLen + typeOff, typeLen, "BTF type section");
        strings = btf.window(hdrLen + strOff, strLen, "BTF string section");
        table.add(new Type(0, 0, "void", 0, 0, 0, types.fileOffset(0)));
        long off = 0;
        while (off < types.length()) {
            long info = types.u32(off + 4);
            int kind = (int) (info >>> 24) & 0x1F;
            int vlen = (int) (info & 0xFFFF);
            String name = strings.cstring(types.u32(off), "BTF type name");
            table.add(new Type(table.size(), kind, name, vlen, types.u32(off + 8), off + 12, types.fileOffset(off)));
            off += 12 + dataSize(kind, vlen, off);
        }
    }

    private long dataSize(int kind, int vlen, long off) {
        return switch (kind) {
            case INT, VAR, DECL_TAG -> 4;
            case ARRAY -> 12;
            case STRUCT, UNION, DATASEC, ENUM64 -> 12L * vlen;
            case ENUM, FUNC_PROTO -> 8L * vlen;
            case PTR, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FLOAT, TYPE_TAG -> 0;
            default -> throw new ElfException(types.fileOffset(off + 4), "unknown BTF kind " + kind);
        };
    }

    Type type(long id, long at) {
        if (id < 0 || id >= table.size()) throw new ElfException(at, "BTF type id " + id + " out of range (" + table.size() + " types)");
        return table.get((int) id);
    }

    Optional<Type> datasec(String name) {
        return table.stream().filter(t -> t.kind() == DATASEC && t.name().equals(name)).findFirst();
    }

    /** The type ids of the variables of a DATASEC, in declaration order. */
    List<Type> datasecVars(Type sec) {
        List<Type> vars = new ArrayList<>();
        for (int i = 0; i < sec.vlen(); i++) {
            Type var = type(types.u32(sec.data() + 12L * i), types.fileOffset(sec.data() + 12L * i));
            if (var.kind() != VAR) throw new ElfException(var.fileOffset(), "DATASEC " + sec.name() + " entry is not a VAR");
            vars.add(var);
        }
        return vars;
    }

    /**
     * btf_parse_fields over a global-data DATASEC (btf_find_datasec_var): the name of the variable
     * whose type is {@code struct bpf_spin_lock}, if one is; a second one is refused as the kernel
     * refuses a value with two locks. Its offset is the ELF symbol's: clang leaves DATASEC offsets
     * for libbpf's btf_fixup_datasec to fill in. Locks nested inside a struct variable are not
     * looked for.
     */
    Optional<String> spinLockVariable(String datasecName) {
        Optional<Type> sec = datasec(datasecName);
        if (sec.isEmpty()) return Optional.empty();
        Optional<String> found = Optional.empty();
        for (Type var : datasecVars(sec.get())) {
            Type t = resolve(type(var.sizeOrType(), var.fileOffset()));
            if (t.kind() != STRUCT || !t.name().equals("bpf_spin_lock")) continue;
            if (found.isPresent()) throw new ElfException(var.fileOffset(), datasecName + " has more than one 'struct bpf_spin_lock'");
            found = Optional.of(var.name());
        }
        return found;
    }

    /** Skips typedef/const/volatile/restrict/type_tag modifiers. */
    Type resolve(Type t) {
        for (int depth = 0; depth < 32; depth++) {
            switch (t.kind()) {
                case TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG -> t = type(t.sizeOrType(), t.fileOffset());
                default -> { return t; }
            }
        }
        throw new ElfException(t.fileOffset(), "BTF modifier chain too long");
    }

    List<Member> members(Type struct) {
        if (struct.kind() != STRUCT) throw new ElfException(struct.fileOffset(), "BTF type '" + struct.name() + "' is not a struct");
        List<Member> out = new ArrayList<>();
        for (int i = 0; i < struct.vlen(); i++) {
            long m = struct.data() + 12L * i;
            out.add(new Member(strings.cstring(types.u32(m), "BTF member name"), (int) types.u32(m + 4), types.fileOffset(m)));
        }
        return out;
    }

    /** {@code __uint(name, N)} is {@code int (*name)[N]}: a pointer to an array of N elements. */
    long uintValue(Member m) {
        Type ptr = resolve(type(m.type(), m.fileOffset()));
        if (ptr.kind() != PTR) throw new ElfException(m.fileOffset(), "map member '" + m.name() + "' is not a __uint() pointer");
        Type array = resolve(type(ptr.sizeOrType(), ptr.fileOffset()));
        if (array.kind() != ARRAY) throw new ElfException(m.fileOffset(), "map member '" + m.name() + "' does not point to an array");
        return types.u32(array.data() + 8);
    }

    /**
     * {@code __ulong(name, N)} is a member of an anonymous enum type whose single enumerator is N
     * (bpf_helpers.h); clang encodes it as ENUM64 when N needs more than 32 bits.
     */
    long ulongValue(Member m) {
        Type e = resolve(type(m.type(), m.fileOffset()));
        if (e.kind() == PTR) return uintValue(m);
        if (e.vlen() != 1) throw new ElfException(m.fileOffset(), "map member '" + m.name() + "' is not a single-value enum");
        if (e.kind() == ENUM) return types.u32(e.data() + 4);
        if (e.kind() == ENUM64) return types.u32(e.data() + 4) | types.u32(e.data() + 8) << 32;
        throw new ElfException(m.fileOffset(), "map member '" + m.name() + "' is not an __ulong() enum");
    }

    /** {@code __type(name, T)} is {@code T *name}: the size of T. */
    long pointeeSize(Member m) {
        Type ptr = resolve(type(m.type(), m.fileOffset()));
        if (ptr.kind() != PTR) throw new ElfException(m.fileOffset(), "map member '" + m.name() + "' is not a __type() pointer");
        return size(type(ptr.sizeOrType(), ptr.fileOffset()), 0);
    }

    private long size(Type t, int depth) {
        if (depth > 32) throw new ElfException(t.fileOffset(), "BTF type nesting too deep");
        t = resolve(t);
        return switch (t.kind()) {
            case INT, STRUCT, UNION, ENUM, ENUM64, FLOAT, DATASEC -> t.sizeOrType();
            case PTR -> 8;
            case ARRAY -> types.u32(t.data() + 8) * size(type(types.u32(t.data()), t.fileOffset()), depth + 1);
            default -> throw new ElfException(t.fileOffset(), "BTF type '" + t.name() + "' (kind " + t.kind() + ") has no size");
        };
    }

    private static final int BTF_FUNC_GLOBAL = 1;

    /**
     * The function FUNC type {@code id} describes, placed at linked instruction {@code insn}: its
     * linkage (the FUNC's vlen), the kind of its return type and of each FUNC_PROTO parameter,
     * and the {@code arg:} decl tags naming each parameter (btf_find_next_decl_tag).
     */
    FuncInfo funcInfo(long id, int insn, long at) {
        Type fn = type(id, at);
        if (fn.kind() != FUNC) throw new ElfException(at, "func_info type id " + id + " is not a FUNC");
        Type proto = type(fn.sizeOrType(), fn.fileOffset());
        if (proto.kind() != FUNC_PROTO) throw new ElfException(fn.fileOffset(), "FUNC '" + fn.name() + "' does not point to a FUNC_PROTO");
        Type ret = resolve(type(proto.sizeOrType(), proto.fileOffset()));
        FuncInfo.Ret retKind = switch (ret.kind()) {
            case 0 -> FuncInfo.Ret.VOID;
            case INT, ENUM, ENUM64 -> FuncInfo.Ret.SCALAR;
            case PTR -> FuncInfo.Ret.POINTER;
            default -> FuncInfo.Ret.OTHER;
        };
        List<FuncInfo.Arg> args = new ArrayList<>();
        for (int i = 0; i < proto.vlen(); i++) {
            long p = proto.data() + 8L * i;
            Type t = resolve(type(types.u32(p + 4), types.fileOffset(p + 4)));
            args.add(new FuncInfo.Arg(argKind(t), argTags(fn, i), kindName(t.kind())));
        }
        return new FuncInfo(insn, fn.name(), fn.vlen() == BTF_FUNC_GLOBAL, retKind, args);
    }

    private FuncInfo.Kind argKind(Type t) {
        return switch (t.kind()) {
            case INT, ENUM, ENUM64 -> FuncInfo.Kind.SCALAR;
            case PTR -> {
                Type to = resolve(type(t.sizeOrType(), t.fileOffset()));
                yield switch (to.kind()) {
                    case INT, ENUM, ENUM64, PTR, FLOAT -> FuncInfo.Kind.PTR_TO_SCALAR;
                    case STRUCT, UNION, ARRAY -> FuncInfo.Kind.PTR_TO_SIZED;
                    default -> FuncInfo.Kind.PTR_TO_UNSIZED;
                };
            }
            default -> FuncInfo.Kind.OTHER;
        };
    }

    /** The names after {@code arg:} of the DECL_TAGs whose target is {@code fn} and component_idx is {@code arg}. */
    private List<String> argTags(Type fn, int arg) {
        List<String> tags = new ArrayList<>();
        for (Type t : table) {
            if (t.kind() == DECL_TAG && t.sizeOrType() == fn.id() && (int) types.u32(t.data()) == arg && t.name().startsWith("arg:")) {
                tags.add(t.name().substring(4));
            }
        }
        return tags;
    }

    /** btf_type_str's names of the kinds. */
    private static String kindName(int kind) {
        return switch (kind) {
            case 0 -> "void";
            case INT -> "int";
            case PTR -> "ptr";
            case ARRAY -> "array";
            case STRUCT -> "struct";
            case UNION -> "union";
            case ENUM, ENUM64 -> "enum";
            case FWD -> "fwd";
            case FUNC_PROTO -> "func_proto";
            case FLOAT -> "float";
            default -> "kind " + kind;
        };
    }

    /** The string at {@code off} of the string section (.BTF.ext names sections by it). */
    String string(long off) {
        return strings.cstring(off, "BTF string");
    }
}
