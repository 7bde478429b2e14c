package dev.arenaemu.scenarios.oracle;

import dev.arenaemu.ArenaEmu;
import dev.arenaemu.kernel.CreateResult;
import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.arena.ArenaAttr;
import dev.arenaemu.kernel.bpf.BpfMap;
import dev.arenaemu.kernel.bpf.BpfProg;
import dev.arenaemu.kernel.bpf.BpfSyscall;
import dev.arenaemu.kernel.bpf.ProgLoadAttr;
import dev.arenaemu.kernel.bpf.ProgLoadResult;
import dev.arenaemu.kernel.bpf.isa.BpfProgram;
import dev.arenaemu.kernel.bpf.jit.JitListing;
import dev.arenaemu.kernel.bpf.jit.JitProfile;
import dev.arenaemu.user.Process;
import dev.arenaemu.user.exec.UserResult;
import dev.arenaemu.user.mm.MapFlag;
import dev.arenaemu.user.mm.Mm;
import dev.arenaemu.user.mm.Prot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The emulator's side of {@code oracle --jit}: the same maps and programs loaded on a system of
 * the kernel's era, in the order the runner loads them (maps, the arena mapped and its globals
 * copied in, then each program), and each program's {@link JitListing} under the JIT profile of
 * the kernel build.
 */
final class JitEmulator {
    private JitEmulator() {}

    /** One program: its listing, or why the emulator refused it (the verifier's message, -errno). */
    record Loaded(JitListing listing, long errno, String refusal) {}

    static List<Loaded> load(JitObject o, KernelEra era, JitProfile profile) {
        List<Loaded> out = new ArrayList<>();
        try (ArenaEmu emu = ArenaEmu.boot(era)) {
            BpfSyscall bpf = emu.bpf();
            Process user = emu.spawn();
            Map<String, BpfMap> maps = new LinkedHashMap<>();
            String mapProblem = null;
            for (JitMap m : o.maps()) {
                CreateResult<BpfMap> r = m.isArena()
                    ? bpf.mapCreateArena(m.name(), new ArenaAttr((int) m.keySize(), (int) m.valueSize(), m.maxEntries(), (int) m.flags(), m.mapExtra()))
                    : bpf.mapCreateArray(m.name(), m.valueSize(), m.flags(), m.init());
                switch (r) {
                    case CreateResult.Created<BpfMap> c -> {
                        maps.put(m.name(), c.object());
                        if (c.object() instanceof BpfMap.ArenaMap a && mapProblem == null) mapProblem = mapArena(user, a, m);
                    }
                    case CreateResult.Failed<BpfMap> f -> mapProblem = "map " + m.name() + ": " + Errno.describe(f.errno().neg());
                }
            }
            for (BpfProgram p : o.programs()) {
                if (mapProblem != null) {
                    out.add(new Loaded(null, -1, mapProblem));
                    continue;
                }
                switch (bpf.progLoad(p, maps, ProgLoadAttr.DEFAULT)) {
                    case ProgLoadResult.Loaded l -> {
                        BpfProg prog = l.prog();
                        long kern = prog.arena().map(a -> a.kernVmStart()).orElse(0L);
                        long userStart = prog.arena().map(a -> a.userVmStart()).orElse(0L);
                        out.add(new Loaded(JitListing.of(p.name(), prog.verified(), BpfSyscall.jitOptions(prog.verified(), kern, userStart, era, profile)), 0, null));
                    }
                    case ProgLoadResult.Rejected r -> out.add(new Loaded(null, r.errno().neg(),
                        (r.insnIndex() >= 0 ? "insn " + r.insnIndex() + ": " : "") + r.log()));
                }
            }
        }
        return out;
    }

    /** libbpf's mmap of the arena right after creating it, and the copy of the __arena globals. */
    private static String mapArena(Process user, BpfMap.ArenaMap arena, JitMap m) {
        int fd = user.installFd(arena);
        long flags = MapFlag.SHARED.bit | (m.mapExtra() != 0 ? MapFlag.FIXED.bit : 0);
        long base = user.mmap(m.mapExtra(), m.maxEntries() * Mm.PAGE_SIZE, Prot.RW, flags, fd, 0);
        if (base < 0 && base > -4096) return "map " + m.name() + ": mmap: " + Errno.describe(base);
        if (m.globals().length == 0) return null;
        UserResult r = user.user().writeBytes(base + m.globalsOffset(), m.globals());
        return r instanceof UserResult.Value ? null : "map " + m.name() + ": copying the __arena globals: " + r;
    }
}
