package dev.arenaemu.kernel.bpf.verifier;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * Abstract value of one register: its type, and for scalars a known constant, for stack and map
 * value pointers a known offset ({@code off} is meaningful only if {@code known}). Stack pointers
 * record whether they point into the current frame or a caller's ({@code callerFrame}); map
 * pointers record the map's name.
 */
public record RegState(RegType type, boolean known, long off, String map, boolean callerFrame) {
    public static final RegState NOT_INIT = new RegState(RegType.NOT_INIT, false, 0, null, false);
    public static final RegState UNKNOWN = new RegState(RegType.SCALAR, false, 0, null, false);
    public static final RegState ARENA = new RegState(RegType.PTR_TO_ARENA, false, 0, null, false);
    public static final RegState CTX = new RegState(RegType.PTR_TO_CTX, true, 0, null, false);
    public static final RegState FP = new RegState(RegType.PTR_TO_STACK, true, 0, null, false);

    public static RegState constant(long value) {
        return new RegState(RegType.SCALAR, true, value, null, false);
    }

    public static RegState mapPtr(String map) {
        return new RegState(RegType.CONST_PTR_TO_MAP, true, 0, map, false);
    }

    public static RegState mapValue(String map, long off) {
        return new RegState(RegType.PTR_TO_MAP_VALUE, true, off, map, false);
    }

    public OptionalLong constant() {
        return type == RegType.SCALAR && known ? OptionalLong.of(off) : OptionalLong.empty();
    }

    public RegState withOffset(boolean isKnown, long newOff) {
        return new RegState(type, isKnown, newOff, map, callerFrame);
    }

    /** What a callee sees for this argument: stack pointers now point into the caller's frame. */
    public RegState asArgument() {
        return type == RegType.PTR_TO_STACK ? new RegState(type, known, off, map, true) : this;
    }

    /** Least upper bound of the states of two paths meeting at one instruction. */
    public RegState join(RegState o) {
        if (equals(o)) return this;
        if (type == RegType.NOT_INIT || o.type == RegType.NOT_INIT) return NOT_INIT;
        if (type != o.type || !Objects.equals(map, o.map) || callerFrame != o.callerFrame) {
            return type == RegType.SCALAR && o.type == RegType.SCALAR ? UNKNOWN : new RegState(RegType.MIXED, false, 0, null, false);
        }
        return new RegState(type, false, 0, map, callerFrame);
    }

    @Override
    public String toString() {
        return type.logName + (known ? "(off=" + off + ")" : "") + (map != null ? "[" + map + "]" : "");
    }
}
