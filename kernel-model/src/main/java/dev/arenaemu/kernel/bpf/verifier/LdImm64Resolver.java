package dev.arenaemu.kernel.bpf.verifier;

import dev.arenaemu.kernel.Errno;

import static dev.arenaemu.kernel.bpf.isa.Bpf.*;

import dev.arenaemu.kernel.bpf.isa.BpfProgram;
import dev.arenaemu.kernel.bpf.isa.Insn;
import dev.arenaemu.kernel.bpf.isa.Reloc;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * resolve_pseudo_ldimm64 + check_map_prog_compatibility: binds every map reference of the
 * program to a created map, computes the address the ld_imm64 loads (the map object, or
 * map_direct_value_addr + off), and on the first reference to an arena checks the program ↔
 * arena binding rules (docs/semantics.md#arena-binding) in the kernel's order.
 */
final class LdImm64Resolver {
    /** BPF_MAX_VAR_OFF: E1-E3 refuse direct value offsets at or above 512 MiB. */
    static final long MAX_VAR_OFF = 1L << 29;

    /** What one ld_imm64 turned out to be. */
    record Resolved(MapDescriptor map, boolean directValue, long offset, long address) {}

    final Map<Integer, Resolved> byInsn = new HashMap<>();
    final Map<String, MapDescriptor> used = new LinkedHashMap<>();
    Optional<MapDescriptor> arena = Optional.empty();

    LdImm64Resolver(BpfProgram program, Map<String, MapDescriptor> maps, VerifierConfig config) {
        Map<Integer, Reloc> relocs = new HashMap<>();
        for (Reloc r : program.relocations()) relocs.put(r.insn(), r);
        List<Insn> insns = program.insns();
        for (int i = 0; i < insns.size(); i++) {
            Insn insn = insns.get(i);
            if (!insn.isLdImm64()) continue;
            if (insn.src() == 0) {
                i++;
                continue;
            }
            resolve(i, insn, insns.get(i + 1), relocs.get(i), maps, config);
            i++;
        }
    }

    private void resolve(int i, Insn insn, Insn second, Reloc reloc, Map<String, MapDescriptor> maps, VerifierConfig config) {
        if (insn.src() != PSEUDO_MAP_FD && insn.src() != PSEUDO_MAP_VALUE && insn.src() != PSEUDO_MAP_IDX
            && insn.src() != PSEUDO_MAP_IDX_VALUE) {
            throw new VerifierException(Errno.EINVAL, i, "unrecognized bpf_ld_imm64 insn");
        }
        String name = switch (reloc) {
            case Reloc.MapFd m -> m.map();
            case Reloc.MapValue v -> v.map();
            case Reloc.ArenaGlobal g -> g.arenaMap();
            case null -> null;
        };
        MapDescriptor map = name == null ? null : maps.get(name);
        if (map == null) throw new VerifierException(Errno.EBADF, i, "fd " + insn.imm() + " is not pointing to valid bpf_map");
        boolean direct = insn.src() == PSEUDO_MAP_VALUE || insn.src() == PSEUDO_MAP_IDX_VALUE;
        long off = second.imm() & 0xFFFF_FFFFL;
        long address = map.objectAddress();
        if (direct) {
            if (config.era().directValueMaxVarOffCheck() && off >= MAX_VAR_OFF) {
                throw new VerifierException(Errno.EINVAL, i, "direct value offset of " + off + " is not allowed");
            }
            long base = map.directValueAddr(off, config.era());
            if (Errno.isErrValue(base)) {
                throw new VerifierException(Errno.of(base), i,
                    "invalid access to map value pointer, value_size=" + map.valueSize() + " off=" + off);
            }
            address = base + off;
        }
        byInsn.put(i, new Resolved(map, direct, off, address));
        if (used.putIfAbsent(map.name(), map) == null && map.isArena()) bindArena(i, map, config);
    }

    private void bindArena(int i, MapDescriptor map, VerifierConfig config) {
        if (arena.isPresent()) throw new VerifierException(Errno.EBUSY, i, "Only one arena per program");
        if (!config.perfmonCapable() || !config.bpfCapable()) {
            throw new VerifierException(Errno.EPERM, i, "CAP_BPF and CAP_PERFMON are required to use arena");
        }
        if (!config.jitRequested()) throw new VerifierException(Errno.EOPNOTSUPP, i, "JIT is required to use arena");
        if (!config.jitSupportsArena()) throw new VerifierException(Errno.EOPNOTSUPP, i, "JIT doesn't support arena");
        arena = Optional.of(map);
        if (map.userVmStart() == 0) {
            throw new VerifierException(Errno.EINVAL, i, "arena's user address must be set via map_extra or mmap()");
        }
    }

    List<MapDescriptor> usedMaps() {
        return new ArrayList<>(used.values());
    }
}
