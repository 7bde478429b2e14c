package dev.arenaemu.user.libbpf;

import dev.arenaemu.kernel.bpf.BpfMap;
import dev.arenaemu.kernel.bpf.BpfSyscall;
import dev.arenaemu.kernel.bpf.elf.DataSection;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One internal map of global data (.bss, .data, .rodata) with its variables by name, what a
 * skeleton's {@code skel->bss->x} reaches. Reads and writes go through BPF_MAP_LOOKUP_ELEM /
 * BPF_MAP_UPDATE_ELEM (the model does not mmap array maps into user space).
 */
public final class GlobalData {
    private final BpfSyscall bpf;
    private final BpfMap.ArrayMap map;
    private final DataSection section;

    GlobalData(BpfSyscall bpf, BpfMap.ArrayMap map, DataSection section) {
        this.bpf = bpf;
        this.map = map;
        this.section = section;
    }

    public BpfMap.ArrayMap map() { return map; }

    /** The variable's value, zero-extended from its size (1, 2, 4 or 8 bytes). */
    public long get(String variable) {
        DataSection.Variable v = variable(variable);
        ByteBuffer b = ByteBuffer.wrap(bpf.mapLookupElem(map)).order(ByteOrder.LITTLE_ENDIAN);
        return switch ((int) v.size()) {
            case 1 -> Byte.toUnsignedLong(b.get((int) v.offset()));
            case 2 -> Short.toUnsignedLong(b.getShort((int) v.offset()));
            case 4 -> Integer.toUnsignedLong(b.getInt((int) v.offset()));
            case 8 -> b.getLong((int) v.offset());
            default -> throw new IllegalArgumentException(variable + " has size " + v.size());
        };
    }

    /** Stores the low bytes of {@code value} into the variable (read-modify-write of the whole value). */
    public void set(String variable, long value) {
        DataSection.Variable v = variable(variable);
        byte[] bytes = bpf.mapLookupElem(map);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        switch ((int) v.size()) {
            case 1 -> b.put((int) v.offset(), (byte) value);
            case 2 -> b.putShort((int) v.offset(), (short) value);
            case 4 -> b.putInt((int) v.offset(), (int) value);
            case 8 -> b.putLong((int) v.offset(), value);
            default -> throw new IllegalArgumentException(variable + " has size " + v.size());
        }
        int r = bpf.mapUpdateElem(map, bytes);
        if (r != 0) throw new IllegalStateException("BPF_MAP_UPDATE_ELEM on " + map.name() + " returned " + r);
    }

    private DataSection.Variable variable(String name) {
        return section.variable(name).orElseThrow(() -> new IllegalArgumentException("no variable " + name + " in " + section.name()));
    }
}
