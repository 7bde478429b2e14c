package dev.arenaemu.kernel.bpf.verifier;

import dev.arenaemu.kernel.Errno;

import java.util.Optional;

/**
 * The verifier's rules for BTF-typed kernel pointers, for the iterator programs modelled
 * ({@link IterTarget}): context reads (check_ctx_access → btf_ctx_access), reads through a
 * PTR_TO_BTF_ID (check_ptr_to_btf_access → btf_struct_access over the {@link KernelStruct}
 * table) and such a pointer as a kfunc's {@code p__map} argument (check_kfunc_args,
 * KF_ARG_PTR_TO_MAP, with the arena kfuncs' KF_TRUSTED_ARGS). Messages and errnos are the kernel's.
 *
 * <p>Not modelled: bpf_rcu_read_lock sections (a non-sleepable program is always "in RCU"), the
 * BTF_TYPE_SAFE_RCU lists (none of the described members is on them), and the rewrite of these
 * loads to BPF_PROBE_MEM: iterator programs are loaded, never run.
 */
final class BtfAccess {
    private final VerifierConfig config;
    private final boolean sleepable;
    private final Optional<IterTarget> iter;

    BtfAccess(VerifierConfig config, boolean sleepable, Optional<IterTarget> iter) {
        this.config = config;
        this.sleepable = sleepable;
        this.iter = iter;
    }

    boolean hasBtfContext() {
        return iter.isPresent();
    }

    /**
     * tracing_prog_is_valid_access + btf_ctx_access: reads only, of a whole 8-byte argument
     * slot; a pointer argument becomes a PTR_TO_BTF_ID of its struct. Anything else is the
     * generic "invalid bpf_context access".
     */
    RegState contextRead(int i, long off, int size, boolean write) {
        KernelStruct context = iter.orElseThrow().context;
        Optional<KernelStruct.Field> field = off >= 0 && off % 8 == 0 && size == 8 && !write
            ? context.fieldAt((int) off) : Optional.empty();
        if (field.isEmpty()) {
            throw new VerifierException(Errno.EACCES, i, "invalid bpf_context access off=" + off + " size=" + size);
        }
        // the insn index + 1 is the id: one per load, deterministic (the kernel's ++env->id_gen)
        return RegState.btf(iter.get().contextArgument(field.get(), i + 1));
    }

    /** check_ptr_to_btf_access for a load or store through {@code ptr} at insn offset {@code off}. */
    RegState read(int i, int ptrReg, RegState ptr, int off, int size, boolean write) {
        BtfPointer p = ptr.btf();
        if (p.maybeNull()) {
            // check_mem_access: a PTR_TO_BTF_ID | PTR_MAYBE_NULL is no pointer to memory yet
            throw new VerifierException(Errno.EACCES, i, "R" + ptrReg + " invalid mem access '" + p.typeName() + "'");
        }
        String struct = p.struct().btfName;
        if (!config.perfmonCapable()) {
            throw new VerifierException(Errno.EPERM, i, "'struct " + struct + "' access is allowed only to CAP_PERFMON and CAP_SYS_ADMIN");
        }
        long total = ptr.off() + off;
        if (total < 0) throw new VerifierException(Errno.EACCES, i, "R" + ptrReg + " is ptr_" + struct + " invalid negative access: off=" + total);
        if (!ptr.known()) {
            throw new VerifierException(Errno.EACCES, i, "R" + ptrReg + " is ptr_" + struct + " invalid variable offset: off=" + off);
        }
        if (write) throw new VerifierException(Errno.EACCES, i, "only read is supported");
        KernelStruct.Field field = p.struct().fieldAt((int) total).orElseThrow(() -> new VerifierException(Errno.EACCES, i,
            "struct " + struct + " at off " + total + " size " + size + ": a member the model's kernel struct table does not describe"));
        if (field.pointee() == null) return RegState.UNKNOWN;
        if (field.offset() != total || size != 8) {
            // btf_struct_walk: a pointer member is read whole or not at all
            throw new VerifierException(Errno.EACCES, i, "cannot access ptr member " + field.name() + " with moff " + field.offset()
                + " in struct " + struct + " with off " + total + " size " + size);
        }
        return RegState.btf(new BtfPointer(field.pointee(), walkedTrust(p, field), false, 0));
    }

    /**
     * The flags of a pointer read from a BTF struct: untrusted stays untrusted; from a trusted
     * pointer, a BTF_TYPE_SAFE_TRUSTED member is trusted, any other member is plain inside RCU (a
     * non-sleepable program) and untrusted outside it (a sleepable one); from a plain pointer,
     * plain ("old compat").
     */
    private BtfPointer.Trust walkedTrust(BtfPointer from, KernelStruct.Field field) {
        return switch (from.trust()) {
            case UNTRUSTED -> BtfPointer.Trust.UNTRUSTED;
            case TRUSTED -> field.safeTrusted() ? BtfPointer.Trust.TRUSTED : sleepable ? BtfPointer.Trust.UNTRUSTED : BtfPointer.Trust.PLAIN;
            case PLAIN -> BtfPointer.Trust.PLAIN;
        };
    }

    /**
     * check_kfunc_args for a PTR_TO_BTF_ID in a {@code p__map} parameter of a KF_TRUSTED_ARGS kfunc,
     * in the kernel's order: not maybe-NULL, trusted (is_trusted_reg), unmodified
     * (check_func_arg_reg_off), and a struct bpf_map (process_kf_arg_ptr_to_btf_id, strict match).
     * The "pointer in R%d isn't map pointer" check of later kernels (the bpf_wq series, v6.10)
     * never fires here: reg->map_ptr shares its union with a BTF pointer's reg->btf, never NULL.
     */
    void mapArgument(int i, String kfunc, int argNo, RegState reg) {
        BtfPointer p = reg.btf();
        int regNo = argNo + 1;
        if (p.maybeNull()) throw new VerifierException(Errno.EACCES, i, "Possibly NULL pointer passed to trusted arg" + argNo);
        if (p.trust() != BtfPointer.Trust.TRUSTED) throw new VerifierException(Errno.EINVAL, i, "R" + regNo + " must be referenced or trusted");
        if (!reg.known() || reg.off() != 0) {
            throw new VerifierException(Errno.EACCES, i, "dereference of modified " + p.typeName() + " ptr R" + regNo + " off="
                + (reg.known() ? reg.off() : "?") + " disallowed");
        }
        if (p.struct() != KernelStruct.BPF_MAP) {
            throw new VerifierException(Errno.EINVAL, i, "kernel function " + kfunc + " args#" + argNo
                + " expected pointer to STRUCT bpf_map but R" + regNo + " has a pointer to STRUCT " + p.struct().btfName);
        }
    }
}
