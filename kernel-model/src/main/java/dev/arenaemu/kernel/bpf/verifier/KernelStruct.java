package dev.arenaemu.kernel.bpf.verifier;

import java.util.List;
import java.util.Optional;

/**
 * The kernel structs a program may reach through BTF-typed pointers, in place of vmlinux BTF (which
 * the model does not have): only the fields the modelled programs read, at their x86-64 offsets in
 * the kernel's definitions (include/linux/bpf.h {@code struct bpf_map} with CONFIG_SECURITY on, as
 * distribution kernels build it; include/linux/bpf.h {@code struct bpf_iter_meta}; the iterator
 * context {@code struct bpf_iter__bpf_map} of kernel/bpf/map_iter.c). Those leading fields have
 * kept their places from v6.9 to the latest kernel. A read of any other offset is refused as not
 * described rather than guessed. {@code seq_file} is opaque: programs only pass it on.
 */
public enum KernelStruct {
    BPF_ITER__BPF_MAP("bpf_iter__bpf_map"),
    BPF_ITER_META("bpf_iter_meta"),
    SEQ_FILE("seq_file"),
    BPF_MAP("bpf_map");

    /**
     * One member: a pointer to {@code pointee} (null for scalars). {@code safeTrusted} marks the
     * members the kernel lists with BTF_TYPE_SAFE_TRUSTED (verifier.c, type_is_trusted): reading
     * them from a trusted pointer gives a trusted, never-NULL pointer even outside RCU.
     */
    public record Field(String name, int offset, int size, KernelStruct pointee, boolean safeTrusted) {
        static Field scalar(String name, int offset, int size) {
            return new Field(name, offset, size, null, false);
        }

        static Field pointer(String name, int offset, KernelStruct pointee, boolean safeTrusted) {
            return new Field(name, offset, 8, pointee, safeTrusted);
        }
    }

    /** The name the kernel's BTF gives the struct, as its log prints it. */
    public final String btfName;

    KernelStruct(String btfName) {
        this.btfName = btfName;
    }

    public List<Field> fields() {
        return switch (this) {
            case BPF_ITER__BPF_MAP -> List.of(Field.pointer("meta", 0, BPF_ITER_META, false), Field.pointer("map", 8, BPF_MAP, false));
            case BPF_ITER_META -> List.of(Field.pointer("seq", 0, SEQ_FILE, true), Field.scalar("session_id", 8, 8),
                Field.scalar("seq_num", 16, 8));
            case SEQ_FILE -> List.of();
            case BPF_MAP -> List.of(Field.pointer("inner_map_meta", 8, BPF_MAP, false), Field.scalar("map_type", 24, 4),
                Field.scalar("key_size", 28, 4), Field.scalar("value_size", 32, 4), Field.scalar("max_entries", 36, 4));
        };
    }

    /** The member whose bytes contain {@code off}, if the table describes it. */
    public Optional<Field> fieldAt(int off) {
        return fields().stream().filter(f -> off >= f.offset() && off < f.offset() + f.size()).findFirst();
    }
}
