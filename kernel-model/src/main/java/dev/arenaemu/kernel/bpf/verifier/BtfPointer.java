package dev.arenaemu.kernel.bpf.verifier;

/**
 * What a PTR_TO_BTF_ID register knows besides its offset: the struct it points to, its trust
 * flag (PTR_TRUSTED, PTR_UNTRUSTED or neither: the old "walked" pointer) and PTR_MAYBE_NULL, with
 * the id that ties copies of one maybe-NULL value together so a NULL check refines all of them
 * (reg->id, mark_ptr_or_null_regs).
 */
public record BtfPointer(KernelStruct struct, Trust trust, boolean maybeNull, int id) {
    /** The type flags of enum bpf_type_flag that decide what a BTF pointer may be passed to. */
    public enum Trust {
        PLAIN(""), TRUSTED("trusted_"), UNTRUSTED("untrusted_");

        /** reg_type_str's prefix for the flag. */
        public final String prefix;

        Trust(String prefix) {
            this.prefix = prefix;
        }
    }

    public BtfPointer notNull() {
        return new BtfPointer(struct, trust, false, 0);
    }

    /** reg_type_str: prefix, "ptr_", and "or_null_" (the BTF-pointer spelling of the postfix). */
    public String typeName() {
        return trust.prefix + "ptr_" + (maybeNull ? "or_null_" : "");
    }

    /** print_verifier_state: the type followed by the struct's BTF name, e.g. untrusted_ptr_bpf_map. */
    public String stateName() {
        return typeName() + struct.btfName;
    }
}
