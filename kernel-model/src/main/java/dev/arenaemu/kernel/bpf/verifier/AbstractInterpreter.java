package dev.arenaemu.kernel.bpf.verifier;

import dev.arenaemu.kernel.Errno;

import static dev.arenaemu.kernel.bpf.isa.Bpf.*;

import dev.arenaemu.kernel.bpf.isa.BpfHelper;
import dev.arenaemu.kernel.bpf.isa.Insn;
import dev.arenaemu.kernel.bpf.isa.Kfunc;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * do_check, as a worklist abstract interpretation: every reachable instruction gets the join of the
 * register/stack states of all paths reaching it (no path splitting, no scalar ranges, only known
 * constants), iterated to a fixpoint. Static subprograms are analysed once for the join of their
 * call sites; r0 at their exits is joined into a summary returned to every caller. Global ones
 * ({@link GlobalFunc}) start from their BTF argument types instead, and a call to one checks the
 * arguments against those types and gets an unknown scalar back. The checks are the
 * kernel's (register initialised, r10 read-only, stack bounds, map value bounds, pointer arithmetic
 * rules, the arena rules of docs/semantics.md#the-cast-instruction and #ptr_to_arena) with the
 * kernel's messages; what it learns about each instruction (arena access, cast kind, ALU64
 * narrowing) lands in {@link #aux}.
 */
final class AbstractInterpreter {
    private static final int MAX_PROCESSED = COMPLEXITY_LIMIT_INSNS;

    private final List<Insn> insns;
    private final LdImm64Resolver maps;
    private final ControlFlow cfg;
    private final VerifierConfig config;
    private final boolean sleepable;
    private final BtfAccess btf;
    private final FrameState[] states;
    private final RegState[] summaries;
    /** The lock each subprogram returns with (joined over its exits), next to {@link #summaries}. */
    private final LockState[] lockSummaries;
    private final List<Set<Integer>> callSites = new ArrayList<>();
    private final Set<Integer> passesStackPointer = new HashSet<>();
    final InsnAux[] aux;
    /** Pointer kind an instruction's memory access used (save_aux_ptr_type): null, "arena", "ctx" or "other". */
    private final String[] accessKind;
    final int[] stackDepth;
    /** Kfunc call sites in a non-sleepable context, which specialize_kfunc rewrites to the _non_sleepable variant (E4+). */
    final Set<Integer> nonSleepableCalls = new HashSet<>();
    /** Per subprogram: its {@link GlobalFunc} if func_info says it is global, else null (static). */
    private final GlobalFunc[] globals;
    private final Deque<Integer> work = new ArrayDeque<>();
    private final boolean[] queued;
    private int processed;

    AbstractInterpreter(List<Insn> insns, LdImm64Resolver maps, ControlFlow cfg, VerifierConfig config, boolean sleepable,
                        Optional<IterTarget> iter, GlobalFunc[] globals) {
        this.insns = insns;
        this.globals = globals;
        this.btf = new BtfAccess(config, sleepable, iter);
        this.maps = maps;
        this.cfg = cfg;
        this.config = config;
        this.sleepable = sleepable;
        int n = insns.size();
        states = new FrameState[n];
        queued = new boolean[n];
        aux = new InsnAux[n];
        accessKind = new String[n];
        java.util.Arrays.fill(aux, InsnAux.NONE);
        summaries = new RegState[cfg.subprogStarts.size()];
        lockSummaries = new LockState[summaries.length];
        for (int k = 0; k < summaries.length; k++) callSites.add(new HashSet<>());
        stackDepth = new int[summaries.length];
    }

    void run() {
        FrameState entry = new FrameState();
        entry.regs[R1] = RegState.CTX;
        entry.regs[R10] = RegState.FP;
        merge(0, entry);
        while (!work.isEmpty()) {
            int i = work.pop();
            queued[i] = false;
            if (++processed > MAX_PROCESSED) {
                throw new VerifierException(Errno.E2BIG, i, "BPF program is too large. Processed " + processed + " insn");
            }
            aux[i] = aux[i].withReachable();
            step(i, states[i].copy());
        }
    }

    private void merge(int i, FrameState s) {
        if (states[i] == null) {
            states[i] = s;
        } else if (!states[i].joinFrom(s)) {
            return;
        }
        enqueue(i);
    }

    private void enqueue(int i) {
        if (!queued[i]) {
            queued[i] = true;
            work.push(i);
        }
    }

    private void step(int i, FrameState s) {
        Insn insn = insns.get(i);
        switch (insn.cls()) {
            case ALU, ALU64 -> {
                alu(i, insn, s);
                merge(i + 1, s);
            }
            case LD -> {
                if (!insn.isLdImm64()) {
                    // check_ld_abs: no program type modelled here may access an skb
                    throw new VerifierException(Errno.EINVAL, i, "BPF_LD_[ABS|IND] instructions not allowed for this program type");
                }
                ldImm64(i, insn, s);
                merge(i + 2, s);
            }
            case LDX -> {
                RegState loaded = access(i, insn.src(), insn.off(), sizeBytes(insn.size()), false, null, -1, s);
                writeReg(i, s, insn.dst(), loaded);
                merge(i + 1, s);
            }
            case ST -> {
                access(i, insn.dst(), insn.off(), sizeBytes(insn.size()), true, RegState.UNKNOWN, -1, s);
                merge(i + 1, s);
            }
            case STX -> {
                if (insn.mode() == ATOMIC) atomic(i, insn, s);
                else access(i, insn.dst(), insn.off(), sizeBytes(insn.size()), true, read(i, s, insn.src()), insn.src(), s);
                merge(i + 1, s);
            }
            default -> jmp(i, insn, s);
        }
    }

    // ---- registers ------------------------------------------------------------------------

    /** check_reg_arg: the 4-bit register fields can name R11..R15, which do not exist (MAX_BPF_REG is 11). */
    private static void checkRegNo(int i, int r) {
        if (r >= MAX_BPF_REG) throw new VerifierException(Errno.EINVAL, i, "R" + r + " is invalid");
    }

    private static final int MAX_BPF_REG = 11;
    /** sizeof(struct bpf_spin_lock) */
    private static final int SPIN_LOCK_SIZE = 4;

    private RegState read(int i, FrameState s, int r) {
        checkRegNo(i, r);
        RegState v = s.regs[r];
        if (v.type() == RegType.NOT_INIT) throw new VerifierException(Errno.EACCES, i, "R" + r + " !read_ok");
        return v;
    }

    private void writeReg(int i, FrameState s, int r, RegState v) {
        checkRegNo(i, r);
        if (r == R10) throw new VerifierException(Errno.EACCES, i, "frame pointer is read only");
        s.regs[r] = v;
    }

    // ---- ALU ------------------------------------------------------------------------------

    private void alu(int i, Insn insn, FrameState s) {
        boolean is64 = insn.cls() == ALU64;
        int op = insn.op();
        if (insn.dst() == R10) throw new VerifierException(Errno.EACCES, i, "frame pointer is read only");
        if (op == MOV) {
            mov(i, insn, s, is64);
            return;
        }
        RegState dst = read(i, s, insn.dst());
        if ((op == DIV || op == MOD) && insn.source() == K && insn.imm() == 0) {
            throw new VerifierException(Errno.EINVAL, i, "div by zero");   // check_alu_op
        }
        if (op == NEG || op == END) {
            writeReg(i, s, insn.dst(), RegState.UNKNOWN);
            return;
        }
        RegState src = insn.source() == X ? read(i, s, insn.src())
            : RegState.constant(is64 ? insn.imm() : insn.imm() & 0xFFFF_FFFFL);
        RegState result;
        boolean arenaSource = insn.source() == X && src.type() == RegType.PTR_TO_ARENA && config.era().arenaSourceAluMakesArenaPointer();
        if (dst.type() == RegType.PTR_TO_ARENA || arenaSource) {
            // adjust_reg_min_max_vals: no bounds tracking (docs/semantics.md#ptr_to_arena); ALU64 is
            // narrowed to 32 bits so the upper half stays zero. Before E5 only an arena destination
            // comes here; an arena source is pointer arithmetic below (scalar += arena keeps the
            // arena type without the narrowing, as adjust_ptr_min_max_vals does)
            result = RegState.ARENA;
            if (is64) aux[i] = aux[i].withNarrowed();
        } else if (dst.type().isPointer()) {
            result = pointerArithmetic(i, insn, dst, src, is64, insn.dst());
        } else if (src.type().isPointer() && dst.type() == RegType.SCALAR) {
            if (op == SUB) throw new VerifierException(Errno.EACCES, i, "R" + insn.dst() + " tried to subtract pointer from scalar");
            result = pointerArithmetic(i, insn, src, dst, is64, insn.dst());
        } else {
            result = scalarOp(op, dst, src, is64);
        }
        writeReg(i, s, insn.dst(), result);
    }

    private void mov(int i, Insn insn, FrameState s, boolean is64) {
        if (insn.isAddrSpaceCast()) {
            cast(i, insn, s);
            return;
        }
        RegState v;
        if (insn.source() == K) {
            v = RegState.constant(is64 ? insn.imm() : insn.imm() & 0xFFFF_FFFFL);
        } else {
            RegState src = read(i, s, insn.src());
            if (insn.off() != 0) v = RegState.UNKNOWN; // movsx
            else if (is64) v = src;
            else if (src.type() == RegType.PTR_TO_ARENA) v = RegState.ARENA; // wX = wY keeps the arena pointer
            else if (src.constant().isPresent()) v = RegState.constant(src.off() & 0xFFFF_FFFFL);
            else if (src.type().isPointer() && !config.perfmonCapable()) {
                throw new VerifierException(Errno.EACCES, i, "R" + insn.src() + " partial copy of pointer");
            } else v = RegState.UNKNOWN;
        }
        writeReg(i, s, insn.dst(), v);
    }

    /** check_alu_op for BPF_ADDR_SPACE_CAST (docs/semantics.md#the-cast-instruction). */
    private void cast(int i, Insn insn, FrameState s) {
        if (insn.imm() != CAST_KERN && insn.imm() != CAST_USER) {
            throw new VerifierException(Errno.EINVAL, i, "addr_space_cast insn can only convert between address space 1 and 0");
        }
        if (maps.arena.isEmpty()) {
            throw new VerifierException(Errno.EINVAL, i, "addr_space_cast insn can only be used in a program that has an associated arena");
        }
        read(i, s, insn.src());
        boolean kern = insn.imm() == CAST_KERN;
        aux[i] = aux[i].withCast(kern ? CastKind.KERN : CastKind.USER);
        writeReg(i, s, insn.dst(), kern ? RegState.ARENA : RegState.UNKNOWN);
    }

    /** adjust_ptr_min_max_vals for the pointer kinds tracked here. */
    private RegState pointerArithmetic(int i, Insn insn, RegState ptr, RegState scalar, boolean is64, int dstReg) {
        int op = insn.op();
        if (ptr.type() == RegType.CONST_PTR_TO_MAP) {
            throw new VerifierException(Errno.EACCES, i, "R" + dstReg + " pointer arithmetic on map_ptr prohibited");
        }
        if (ptr.btf() != null && ptr.btf().maybeNull()) {
            throw new VerifierException(Errno.EACCES, i, "R" + dstReg + " pointer arithmetic on " + ptr.typeName() + " prohibited, null-check it first");
        }
        if (!is64) {
            if (op == SUB && config.perfmonCapable()) return RegState.UNKNOWN;
            throw new VerifierException(Errno.EACCES, i, "R" + dstReg + " 32-bit pointer arithmetic prohibited");
        }
        if (scalar.type().isPointer()) {
            if (op == SUB && config.perfmonCapable()) return RegState.UNKNOWN; // ptr - ptr
            throw new VerifierException(Errno.EACCES, i, "R" + dstReg + " pointer " + opName(op) + "= pointer prohibited");
        }
        if (op == AND || op == OR || op == XOR) {
            throw new VerifierException(Errno.EACCES, i, "R" + dstReg + " bitwise operator " + opName(op) + "= on pointer prohibited");
        }
        if (op != ADD && op != SUB) {
            throw new VerifierException(Errno.EACCES, i, "R" + dstReg + " pointer arithmetic with " + opName(op) + "= operator prohibited");
        }
        if (!ptr.known() || scalar.constant().isEmpty()) return ptr.withOffset(false, 0);
        long delta = scalar.off();
        return ptr.withOffset(true, op == ADD ? ptr.off() + delta : ptr.off() - delta);
    }

    private static String opName(int op) {
        return switch (op) {
            case ADD -> "+";
            case SUB -> "-";
            case MUL -> "*";
            case DIV -> "/";
            case OR -> "|";
            case AND -> "&";
            case LSH -> "<<";
            case RSH -> ">>";
            case MOD -> "%";
            case XOR -> "^";
            case ARSH -> "s>>";
            default -> "?";
        };
    }

    private static RegState scalarOp(int op, RegState a, RegState b, boolean is64) {
        if (a.constant().isEmpty() || b.constant().isEmpty()) return RegState.UNKNOWN;
        long x = a.off(), y = b.off();
        int shift = (int) (y & (is64 ? 63 : 31));
        long r;
        switch (op) {
            case ADD -> r = x + y;
            case SUB -> r = x - y;
            case MUL -> r = x * y;
            case AND -> r = x & y;
            case OR -> r = x | y;
            case XOR -> r = x ^ y;
            case LSH -> r = x << shift;
            case RSH -> r = is64 ? x >>> shift : (x & 0xFFFF_FFFFL) >>> shift;
            case ARSH -> r = is64 ? x >> shift : (long) ((int) x >> shift);
            default -> {
                return RegState.UNKNOWN;
            }
        }
        return RegState.constant(is64 ? r : r & 0xFFFF_FFFFL);
    }

    // ---- loads of 64-bit immediates -------------------------------------------------------

    /** check_ld_imm: arena direct values are unknown scalars, array ones map value pointers. */
    private void ldImm64(int i, Insn insn, FrameState s) {
        LdImm64Resolver.Resolved r = maps.byInsn.get(i);
        RegState v;
        if (r == null) v = RegState.constant(Insn.imm64(insn, insns.get(i + 1)));
        else if (!r.directValue()) v = RegState.mapPtr(r.map().name());
        else if (r.map().isArena()) v = RegState.UNKNOWN;
        else v = RegState.mapValue(r.map().name(), r.offset());
        if (r != null) aux[i] = aux[i].withMap(r.map().name());
        writeReg(i, s, insn.dst(), v);
    }

    // ---- memory ---------------------------------------------------------------------------

    /** check_mem_access: returns what a load produces; updates stack slots for stores. */
    private RegState access(int i, int ptrReg, int off, int size, boolean write, RegState value, int valueReg, FrameState s) {
        RegState ptr = read(i, s, ptrReg);
        // convert_ctx_accesses rewrites per pointer kind, so one instruction must see one kind
        String kind = switch (ptr.type()) {
            case PTR_TO_ARENA -> "arena";
            case PTR_TO_CTX -> "ctx";
            case PTR_TO_BTF_ID -> "btf";
            default -> "other";
        };
        if (accessKind[i] != null && !accessKind[i].equals(kind)) {
            throw new VerifierException(Errno.EINVAL, i, "same insn cannot be used with different pointers");
        }
        String rw = write ? " write to" : " read from";
        return switch (ptr.type()) {
            case PTR_TO_ARENA -> {
                accessKind[i] = kind;
                aux[i] = aux[i].withArenaAccess();
                yield RegState.UNKNOWN; // no bounds or alignment checks (docs/semantics.md#ptr_to_arena)
            }
            case PTR_TO_STACK -> {
                accessKind[i] = kind;
                if (!ptr.known()) throw new VerifierException(Errno.EACCES, i, "invalid unbounded variable-offset" + rw + " stack R" + ptrReg);
                long total = ptr.off() + off;
                if (total < -MAX_BPF_STACK || total + size > 0) {
                    throw new VerifierException(Errno.EACCES, i, "invalid" + rw + " stack R" + ptrReg + " off=" + total + " size=" + size);
                }
                yield ptr.callerFrame() ? RegState.UNKNOWN : stackAccess(i, (int) total, size, write, value, s);
            }
            case PTR_TO_MAP_VALUE -> {
                accessKind[i] = kind;
                MapDescriptor map = maps.used.get(ptr.map());
                if (!ptr.known()) {
                    throw new VerifierException(Errno.EACCES, i, "R" + ptrReg + " unbounded memory access, make sure to bounds check any such access");
                }
                long total = ptr.off() + off;
                if (total < 0 || total + size > map.valueSize()) {
                    throw new VerifierException(Errno.EACCES, i, "invalid access to map value, value_size=" + map.valueSize() + " off=" + total + " size=" + size);
                }
                // check_map_access: the value's special fields are off limits to plain loads and stores
                long lock = map.spinLockOff();
                if (lock >= 0 && total < lock + SPIN_LOCK_SIZE && lock < total + size) {
                    throw new VerifierException(Errno.EACCES, i, "bpf_spin_lock cannot be accessed directly by load/store");
                }
                if (write && (map.flags() & (1L << 7 | 1L << 8)) != 0) { // BPF_F_RDONLY, BPF_F_RDONLY_PROG
                    throw new VerifierException(Errno.EACCES, i, "write into map forbidden, value_size=" + map.valueSize() + " off=" + total + " size=" + size);
                }
                leakCheck(i, write, value, valueReg, "map");
                yield RegState.UNKNOWN;
            }
            case PTR_TO_CTX -> {
                accessKind[i] = kind;
                if (ptr.off() + off < 0) throw new VerifierException(Errno.EACCES, i, "invalid bpf_context access off=" + (ptr.off() + off) + " size=" + size);
                if (btf.hasBtfContext()) yield btf.contextRead(i, ptr.off() + off, size, write);
                leakCheck(i, write, value, valueReg, "ctx");
                yield RegState.UNKNOWN;
            }
            case PTR_TO_BTF_ID -> {
                accessKind[i] = kind;
                yield btf.read(i, ptrReg, ptr, off, size, write);
            }
            default -> throw new VerifierException(Errno.EACCES, i, "R" + ptrReg + " invalid mem access '" + ptr.typeName() + "'");
        };
    }

    /** Without CAP_PERFMON (allow_ptr_leaks) a pointer may not be stored where user space can read it. */
    private void leakCheck(int i, boolean write, RegState value, int valueReg, String where) {
        if (write && valueReg >= 0 && value.type().isPointer() && !config.perfmonCapable()) {
            throw new VerifierException(Errno.EACCES, i, "R" + valueReg + " leaks addr into " + where);
        }
    }

    /** Spill/fill of 8-byte aligned registers; anything else is plain data. */
    private RegState stackAccess(int i, int fpOff, int size, boolean write, RegState value, FrameState s) {
        int k = cfg.subprogOf(i);
        stackDepth[k] = Math.max(stackDepth[k], -fpOff);
        int first = (-fpOff - 1) / 8, last = (-(fpOff + size - 1) - 1) / 8;
        boolean wholeSlot = size == 8 && fpOff % 8 == 0;
        if (write) {
            for (int slot = last; slot <= first; slot++) s.stack[slot] = wholeSlot ? value : RegState.UNKNOWN;
            return null;
        }
        if (wholeSlot && s.stack[first].type() != RegType.NOT_INIT && s.stack[first].type() != RegType.MIXED) return s.stack[first];
        return RegState.UNKNOWN;
    }

    /** check_atomic (+ check_atomic_load/store for load-acquire/store-release). */
    private void atomic(int i, Insn insn, FrameState s) {
        int imm = insn.imm();
        int size = sizeBytes(insn.size());
        if ((imm == LOAD_ACQ || imm == STORE_REL) && !config.era().hasLoadAcquireStoreRelease()) {
            // check_atomic before v6.15: the opcode switch knows neither
            throw new VerifierException(Errno.EINVAL, i, String.format("BPF_ATOMIC uses invalid atomic opcode %02x", imm));
        }
        if (imm == LOAD_ACQ) {
            // check_atomic_load: atomic_ptr_type_ok refuses ctx, and arena unless the JIT supports it
            RegState ptr = read(i, s, insn.src());
            if (ptr.type() == RegType.PTR_TO_CTX) {
                throw new VerifierException(Errno.EACCES, i, "BPF_ATOMIC loads from R" + insn.src() + " ctx is not allowed");
            }
            arenaAtomicAllowed(i, insn, ptr, insn.src(), "loads from");
            RegState loaded = access(i, insn.src(), insn.off(), size, false, null, -1, s);
            writeReg(i, s, insn.dst(), loaded);
            return;
        }
        RegState value = read(i, s, insn.src());
        if (imm == CMPXCHG) read(i, s, R0);
        RegState ptr = read(i, s, insn.dst());
        if (ptr.type() == RegType.PTR_TO_CTX) {
            throw new VerifierException(Errno.EACCES, i, "BPF_ATOMIC stores into R" + insn.dst() + " ctx is not allowed");
        }
        arenaAtomicAllowed(i, insn, ptr, insn.dst(), "stores into");
        if (value.type().isPointer() && !config.perfmonCapable()) {
            throw new VerifierException(Errno.EACCES, i, "R" + insn.src() + " leaks addr into mem");
        }
        // what lands in memory is old <op> value, i.e. unknown, except for a store-release
        access(i, insn.dst(), insn.off(), size, true, imm == STORE_REL ? value : RegState.UNKNOWN, -1, s);
        if (imm == CMPXCHG) writeReg(i, s, R0, RegState.UNKNOWN);
        else if ((imm & FETCH) != 0) writeReg(i, s, insn.src(), RegState.UNKNOWN);
    }

    /**
     * check_atomic on a PTR_TO_ARENA register: E1 lists is_arena_reg() among the refused pointer
     * kinds (no atomic at all, {@link dev.arenaemu.kernel.KernelEra#allowsArenaAtomics()}); E2+
     * asks bpf_jit_supports_insn(insn, true) of the x86-64 JIT.
     */
    private void arenaAtomicAllowed(int i, Insn insn, RegState ptr, int ptrReg, String direction) {
        if (ptr.type() != RegType.PTR_TO_ARENA) return;
        int imm = insn.imm();
        boolean x86Supports = config.era().allowsArenaAtomics()
            && imm != (AND | FETCH) && imm != (OR | FETCH) && imm != (XOR | FETCH);
        if (!x86Supports) {
            throw new VerifierException(Errno.EACCES, i, "BPF_ATOMIC " + direction + " R" + ptrReg + " arena is not allowed");
        }
    }

    // ---- jumps, calls, exit ---------------------------------------------------------------

    private void jmp(int i, Insn insn, FrameState s) {
        switch (insn.op()) {
            case EXIT -> exit(i, s);
            case CALL -> call(i, insn, s);
            case JA -> merge((int) ControlFlow.jumpTarget(insn, i), s);
            default -> {
                RegState dst = read(i, s, insn.dst());
                if (insn.source() == X) read(i, s, insn.src());
                FrameState taken = s.copy();
                if (isNullCheck(insn, dst)) {
                    // mark_ptr_or_null_regs: the branch where the pointer is NULL sees scalar 0,
                    // the other a pointer that is not NULL, in every copy of it
                    boolean jeq = insn.op() == JEQ;
                    markNull(jeq ? taken : s, dst.btf().id(), true);
                    markNull(jeq ? s : taken, dst.btf().id(), false);
                }
                merge((int) ControlFlow.jumpTarget(insn, i), taken);
                merge(i + 1, s);
            }
        }
    }

    /** check_cond_jmp_op's case for "if rX == 0" / "if rX != 0" (64-bit) on a maybe-NULL pointer. */
    private static boolean isNullCheck(Insn insn, RegState dst) {
        return insn.cls() == JMP && insn.source() == K && insn.imm() == 0 && (insn.op() == JEQ || insn.op() == JNE)
            && dst.btf() != null && dst.btf().maybeNull();
    }

    private static void markNull(FrameState s, int id, boolean isNull) {
        for (int r = 0; r < s.regs.length; r++) s.regs[r] = refined(s.regs[r], id, isNull);
        for (int k = 0; k < s.stack.length; k++) s.stack[k] = refined(s.stack[k], id, isNull);
    }

    private static RegState refined(RegState v, int id, boolean isNull) {
        if (v.btf() == null || !v.btf().maybeNull() || v.btf().id() != id) return v;
        return isNull ? RegState.constant(0) : RegState.btf(v.btf().notNull()).withOffset(v.known(), v.off());
    }

    private void exit(int i, FrameState s) {
        RegState r0 = read(i, s, R0);
        int k = cfg.subprogOf(i);
        if (k == 0) {
            // check_resource_leak(env, false, true, "BPF_EXIT instruction in main prog")
            if (s.lock.maybeHeld()) {
                throw new VerifierException(Errno.EINVAL, i, "BPF_EXIT instruction in main prog cannot be used inside bpf_spin_lock-ed region");
            }
            if (r0.type().isPointer() && !config.perfmonCapable()) throw new VerifierException(Errno.EACCES, i, "R0 leaks addr as return value");
            return;
        }
        if (globals[k] != null) {
            globals[k].checkExit(i, r0);
            return;
        }
        RegState summary = r0.type() == RegType.PTR_TO_STACK ? RegState.UNKNOWN : r0;
        RegState joined = summaries[k] == null ? summary : summaries[k].join(summary);
        LockState lock = lockSummaries[k] == null ? s.lock : lockSummaries[k].join(s.lock);
        if (!joined.equals(summaries[k]) || !lock.equals(lockSummaries[k])) {
            summaries[k] = joined;
            lockSummaries[k] = lock;
            for (int site : callSites.get(k)) enqueue(site);
        }
    }

    private void call(int i, Insn insn, FrameState s) {
        if (s.lock.maybeHeld() && insn.src() == PSEUDO_CALL && globals[cfg.subprogStarts.indexOf(i + insn.imm() + 1)] != null) {
            // check_func_call: a global function is verified without the caller's lock
            throw new VerifierException(Errno.EINVAL, i, "global function calls are not allowed while holding a lock,\nuse static function instead");
        }
        if (s.lock.maybeHeld() && !callableUnderLock(insn)) {
            throw new VerifierException(Errno.EINVAL, i, "function calls are not allowed while holding a lock");
        }
        switch (insn.src()) {
            case PSEUDO_CALL -> bpfToBpfCall(i, insn, s);
            case PSEUDO_KFUNC_CALL -> kfuncCall(i, insn, s);
            case 0 -> helperCall(i, insn, s);
            default -> throw new VerifierException(Errno.EINVAL, i, "invalid func unknown#" + insn.imm());
        }
    }

    /**
     * do_check_insn under an active lock: bpf_spin_unlock, the KF_SPINLOCK_SAFE kfuncs
     * ({@link dev.arenaemu.kernel.KernelEra#arenaKfuncsSpinlockSafe()}) and calls of static
     * subprograms (global ones are refused before, in {@link #call}).
     */
    private boolean callableUnderLock(Insn insn) {
        return switch (insn.src()) {
            case 0 -> insn.imm() == BpfHelper.SPIN_UNLOCK.id;
            case PSEUDO_KFUNC_CALL -> insn.off() == 0 && config.era().arenaKfuncsSpinlockSafe()
                && Kfunc.byId(insn.imm()).filter(k -> k.exported && k.isArenaKfunc()).isPresent();
            case PSEUDO_CALL -> true;
            default -> false;
        };
    }

    /** check_helper_call for the modelled helpers; every other id is unknown. */
    private void helperCall(int i, Insn insn, FrameState s) {
        BpfHelper helper = BpfHelper.byId(insn.imm())
            .orElseThrow(() -> new VerifierException(Errno.EINVAL, i, "invalid func unknown#" + insn.imm()));
        switch (helper) {
            case SPIN_LOCK, SPIN_UNLOCK -> spinLock(i, s, helper == BpfHelper.SPIN_LOCK);
        }
        clobberCallerSaved(s);
        s.regs[R0] = RegState.NOT_INIT;   // both return void
        merge(i + 1, s);
    }

    /**
     * check_func_arg (ARG_PTR_TO_SPIN_LOCK: R1 must be a map value) and process_spin_lock: a
     * constant offset, the map's BTF record has a struct bpf_spin_lock exactly there, one lock
     * at a time, and an unlock of the lock that is held.
     */
    private void spinLock(int i, FrameState s, boolean lock) {
        RegState r1 = read(i, s, R1);
        if (r1.type() != RegType.PTR_TO_MAP_VALUE) {
            throw new VerifierException(Errno.EACCES, i, "R1 type=" + r1.type().logName + " expected=map_value");
        }
        if (!r1.known()) {
            throw new VerifierException(Errno.EINVAL, i, "R1 doesn't have constant offset. bpf_spin_lock has to be at the constant offset");
        }
        MapDescriptor map = maps.used.get(r1.map());
        if (map.spinLockOff() < 0) throw new VerifierException(Errno.EINVAL, i, "map '" + map.name() + "' has no valid bpf_spin_lock");
        if (map.spinLockOff() != r1.off()) {
            throw new VerifierException(Errno.EINVAL, i, "off " + r1.off() + " doesn't point to 'struct bpf_spin_lock' that is at " + map.spinLockOff());
        }
        if (lock) {
            if (s.lock.maybeHeld()) throw new VerifierException(Errno.EINVAL, i, "Locking two bpf_spin_locks are not allowed");
            s.lock = LockState.held(map.name(), r1.off());
        } else {
            if (s.lock.map() == null) throw new VerifierException(Errno.EINVAL, i, "bpf_spin_unlock without taking a lock");
            if (!s.lock.equals(LockState.held(map.name(), r1.off()))) throw new VerifierException(Errno.EINVAL, i, "bpf_spin_unlock of different lock");
            s.lock = LockState.NONE;
        }
    }

    private void bpfToBpfCall(int i, Insn insn, FrameState s) {
        int target = i + insn.imm() + 1;
        int k = cfg.subprogStarts.indexOf(target);
        if (globals[k] != null) {
            globalCall(i, target, globals[k], s);
            return;
        }
        callSites.get(k).add(i);
        FrameState callee = new FrameState();
        boolean stackArg = false;
        for (int r = R1; r <= R5; r++) {
            callee.regs[r] = s.regs[r].asArgument();
            stackArg |= s.regs[r].type() == RegType.PTR_TO_STACK;
        }
        if (stackArg) passesStackPointer.add(i);
        callee.regs[R10] = RegState.FP;
        callee.lock = s.lock;
        merge(target, callee);
        if (summaries[k] == null) return; // the callee has not returned yet; its exit re-queues this call
        FrameState after = s.copy();
        clobberCallerSaved(after);
        after.regs[R0] = summaries[k];
        after.lock = lockSummaries[k];
        if (passesStackPointer.contains(i)) {
            // the callee may have written anything through the pointer it got
            for (int slot = 0; slot < FrameState.SLOTS; slot++) {
                if (after.stack[slot].type() != RegType.NOT_INIT) after.stack[slot] = RegState.UNKNOWN;
            }
        }
        merge(i + 1, after);
    }

    /**
     * check_func_call for a global function: btf_check_func_arg_match, then the callee is verified
     * on its own from its BTF types (do_check_subprogs), and the caller continues with R1-R5
     * clobbered and R0 an unknown scalar (an arena pointer return is a user address, as a
     * {@code void __arena *} kfunc's is).
     */
    private void globalCall(int i, int target, GlobalFunc callee, FrameState s) {
        callee.checkCall(i, s);
        FrameState entry = callee.entryState();
        merge(target, entry);
        FrameState after = s.copy();
        clobberCallerSaved(after);
        after.regs[R0] = RegState.UNKNOWN;
        merge(i + 1, after);
    }

    private void kfuncCall(int i, Insn insn, FrameState s) {
        Optional<Kfunc> kf = Kfunc.byId(insn.imm()).filter(k -> k.exported);
        if (kf.isEmpty()) throw new VerifierException(Errno.EINVAL, i, "kernel btf_id " + insn.imm() + " is not a function");
        Kfunc kfunc = kf.get();
        // bpf_arena_reserve_pages arrived in v6.17, the test module's __arena kfuncs in E5: an
        // older kernel's BTF has no such function
        if ((kfunc == Kfunc.BPF_ARENA_RESERVE_PAGES && !config.era().hasReservePages())
            || (kfunc.takesArenaArgs() && !config.era().hasArenaKfuncArgs())) {
            throw new VerifierException(Errno.EINVAL, i, "kernel btf_id " + insn.imm() + " is not a function");
        }
        for (int r = R1; r <= kfunc.argCount; r++) read(i, s, r);
        if (kfunc.takesArenaArgs()) arenaArgs(i, kfunc, s);
        else arenaKfuncArgs(i, kfunc, s);
        FrameState after = s;
        clobberCallerSaved(after);
        // void * arena returns are unknown scalars (docs/semantics.md#ptr_to_arena);
        // bpf_arena_free_pages returns void; the test module's kfuncs return u64
        after.regs[R0] = kfunc == Kfunc.BPF_ARENA_FREE_PAGES ? RegState.NOT_INIT : RegState.UNKNOWN;
        merge(i + 1, after);
    }

    /** The arena kfuncs of kernel/bpf/arena.c: KF_SLEEPABLE before E4, the p__map argument, specialize_kfunc. */
    private void arenaKfuncArgs(int i, Kfunc kfunc, FrameState s) {
        // the arena kfuncs are KF_SLEEPABLE until E4 ("remove KF_SLEEPABLE from arena kfuncs")
        if (!sleepable && !config.era().hasNonSleepableKfuncs()) {
            throw new VerifierException(Errno.EACCES, i, "program must be sleepable to call sleepable kfunc " + kfunc.symbol);
        }
        // "void *p__map": any map pointer passes (the kfunc itself returns NULL/does nothing for a
        // non-arena map at run time); anything else fails the BTF struct match
        RegState map = s.regs[R1];
        if (map.type() == RegType.PTR_TO_BTF_ID) {
            // KF_ARG_PTR_TO_MAP takes a kernel struct bpf_map pointer too (since the arena's
            // "bpf: Recognize '__map' suffix in kfunc arguments", v6.9)
            btf.mapArgument(i, kfunc.symbol, 0, map);
        } else if (map.type() != RegType.CONST_PTR_TO_MAP) {
            throw new VerifierException(Errno.EINVAL, i, "kernel function " + kfunc.symbol
                + " args#0 expected pointer to STRUCT bpf_map but R1 has a pointer to " + map.type().logName);
        }
        // specialize_kfunc: a call site in a non-sleepable context (a non-sleepable program or
        // under bpf_spin_lock) gets the _non_sleepable variant of alloc and free (E4+)
        if (config.era().hasNonSleepableKfuncs() && (!sleepable || s.lock.maybeHeld()) && kfunc.nonSleepable() != kfunc) {
            nonSleepableCalls.add(i);
        }
    }

    /**
     * check_kfunc_args for {@code __arena} / {@code __arena__nullable} parameters (E5): the
     * program must be bound to an arena (the JIT rebases onto its kern_vm_start), and the register
     * must hold an arena pointer or a scalar — any value is safe to rebase, but another pointer
     * kind is a program bug the verifier points out.
     */
    private void arenaArgs(int i, Kfunc kfunc, FrameState s) {
        for (int a = 0; a < kfunc.argCount; a++) {
            if (kfunc.args.get(a) == Kfunc.ArenaArg.PLAIN) continue;
            if (maps.arena.isEmpty()) {
                throw new VerifierException(Errno.EINVAL, i, "arena pointer requires a program with an associated arena");
            }
            RegState arg = s.regs[R1 + a];
            if (arg.type() != RegType.PTR_TO_ARENA && arg.type() != RegType.SCALAR) {
                throw new VerifierException(Errno.EINVAL, i, "R" + (R1 + a) + " is not a pointer to arena or scalar");
            }
        }
    }

    private static void clobberCallerSaved(FrameState s) {
        for (int r = R1; r <= R5; r++) s.regs[r] = RegState.NOT_INIT;
    }
}
