package dev.arenaemu.kernel.bpf.verifier;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * Abstract value of one register: its type, and for scalars a known constant, for stack and map
 * value pointers a known offset ({@code off} is meaningful only if {@code known}). Stack pointers
 * record whether they point into the current frame or a caller's ({@code callerFrame}); map
 * pointers record the map's name; PTR_TO_BTF_ID pointers their struct and flags ({@code btf}).
 */
public record RegState(RegType type, boolean known, long off, String map, boolean callerFrame, BtfPointer btf) {
    public static final RegState NOT_INIT = new RegState(RegType.NOT_INIT, false, 0, null, false, null);
    public static final RegState UNKNOWN = new RegState(RegType.SCALAR, false, 0, null, false, null);
    public static final RegState ARENA = new RegState(RegType.PTR_TO_ARENA, false, 0, null, false, null);
    public static final RegState CTX = new RegState(RegType.PTR_TO_CTX, true, 0, null, false, null);
    public static final RegState FP = new RegState(RegType.PTR_TO_STACK, true, 0, null, false, null);

    public static RegState constant(long value) {
        return new RegState(RegType.SCALAR, true, value, null, false, null);
    }

    public static RegState mapPtr(String map) {
        return new RegState(RegType.CONST_PTR_TO_MAP, true, 0, map, false, null);
    }

    public static RegState mapValue(String map, long off) {
        return new RegState(RegType.PTR_TO_MAP_VALUE, true, off, map, false, null);
    }

    /** A PTR_TO_BTF_ID at offset 0. */
    public static RegState btf(BtfPointer pointer) {
        return new RegState(RegType.PTR_TO_BTF_ID, true, 0, null, false, pointer);
    }

    /** The name reg_type_str gives this register's type (BTF pointers: without the struct). */
    public String typeName() {
        return btf != null ? btf.typeName() : type == RegType.MIXED ? "scalar" : type.logName;
    }

    public OptionalLong constant() {
        return type == RegType.SCALAR && known ? OptionalLong.of(off) : OptionalLong.empty();
    }

    public RegState withOffset(boolean isKnown, long newOff) {
        return new RegState(type, isKnown, newOff, map, callerFrame, btf);
    }

    /** What a callee sees for this argument: stack pointers now point into the caller's frame. */
    public RegState asArgument() {
        return type == RegType.PTR_TO_STACK ? new RegState(type, known, off, map, true, btf) : this;
    }

    /** Least upper bound of the states of two paths meeting at one instruction. */
    public RegState join(RegState o) {
        if (equals(o)) return this;
        if (type == RegType.NOT_INIT || o.type == RegType.NOT_INIT) return NOT_INIT;
        if (type != o.type || !Objects.equals(map, o.map) || callerFrame != o.callerFrame || !Objects.equals(btf, o.btf)) {
            return type == RegType.SCALAR && o.type == RegType.SCALAR ? UNKNOWN : new RegState(RegType.MIXED, false, 0, null, false, null);
        }
        return new RegState(type, false, 0, map, callerFrame, btf);
    }

    @Override
    public String toString() {
        if (btf != null) return btf.stateName() + (known ? off == 0 ? "()" : "(off=" + off + ")" : "(var_off)");
        return type.logName + (known ? "(off=" + off + ")" : "") + (map != null ? "[" + map + "]" : "");
    }
}
