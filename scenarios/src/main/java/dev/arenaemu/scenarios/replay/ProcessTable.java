package dev.arenaemu.scenarios.replay;

import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.emulator.x86.X86Reg;
import dev.arenaemu.emulator.paging.PageTable;
import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.bpf.BpfMap;
import dev.arenaemu.scenarios.check.PteMapBuilder;
import dev.arenaemu.scenarios.check.WorldState;
import dev.arenaemu.user.Process;
import dev.arenaemu.user.Processes;
import dev.arenaemu.user.Signal;
import dev.arenaemu.user.exec.UserResult;
import dev.arenaemu.user.mm.Vma;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The scenario's processes by name, on top of the user model: each step becomes the syscall or
 * the CPL3 access a real process would make, and its result an {@link Effect}. The arena is
 * reached through a file descriptor installed in each process the first time it maps it, which
 * holds its own reference on the map (fork copies the fd table and takes one more, as on Linux;
 * exit drops them).
 */
public final class ProcessTable {
    /**
     * Registers run_code reports: all but rdi, rcx and r11, which the return path clobbers (the
     * user model's trampoline does call r11; mov rdi, rax; exit syscall); rax is the exit status.
     */
    private static final X86Reg[] GPRS = {X86Reg.RAX, X86Reg.RBX, X86Reg.RDX, X86Reg.RSI, X86Reg.RBP,
        X86Reg.R8, X86Reg.R9, X86Reg.R10, X86Reg.R12, X86Reg.R13, X86Reg.R14, X86Reg.R15};
    private final Processes processes;
    private final Map<String, Process> byName = new LinkedHashMap<>();
    private int stepCpu;
    /** Per process, its fd of each arena it has mapped. */
    private final Map<Process, Map<BpfMap.ArenaMap, Integer>> arenaFds = new HashMap<>();

    ProcessTable(Processes processes) {
        this.processes = processes;
    }

    void spawn(String name) {
        byName.put(name, processes.spawn());
    }

    /** Processes that have not exited: what the process limit counts. */
    int alive() {
        int n = 0;
        for (Process p : byName.values()) if (!p.exited()) n++;
        return n;
    }

    /** The CPU of the step being carried out: a process a step names runs there (see {@link #get}). */
    void onCpu(int index) {
        stepCpu = index;
    }

    /** The live process {@code name}, placed on the step's CPU: its code, faults and uaccess run there. */
    Process get(String name) throws ReplayError {
        Process p = byName.get(name);
        if (p == null) throw new ReplayError("no process \"" + name + "\"");
        if (p.exited()) throw new ReplayError("process \"" + name + "\" has exited");
        return p.runOn(stepCpu);
    }

    /** The process's fd of {@code arena}; the first time, a new fd with its own reference (the fd table owns it). */
    private int fdFor(Process p, BpfMap.ArenaMap arena) {
        return arenaFds.computeIfAbsent(p, x -> new HashMap<>()).computeIfAbsent(arena, m -> {
            m.getFile();
            return p.installFd(m);
        });
    }

    Effect mmap(String name, long addr, long len, long prot, long flags, BpfMap.ArenaMap arena, long offset) throws ReplayError {
        Process p = get(name);
        int fd = arena == null ? -1 : fdFor(p, arena);
        long r = p.mmap(addr, len, (int) prot, flags, fd, offset);
        return Effect.returned(String.format("%s: mmap(0x%x, 0x%x, prot 0x%x, flags 0x%x, %s, 0x%x) -> %s", name, addr, len, prot, flags,
            arena == null ? "anonymous" : "arena fd " + fd, offset, Expectations.ret(OptionalLong.of(r))), r);
    }

    Effect munmap(String name, long addr, long len) throws ReplayError {
        long r = get(name).munmap(addr, len);
        return Effect.returned(String.format("%s: munmap(0x%x, 0x%x) -> %s", name, addr, len, Errno.describe(r)), r);
    }

    Effect mprotect(String name, long addr, long len, long prot) throws ReplayError {
        long r = get(name).mprotect(addr, len, (int) prot);
        return Effect.returned(String.format("%s: mprotect(0x%x, 0x%x, 0x%x) -> %s", name, addr, len, prot, Errno.describe(r)), r);
    }

    Effect mremap(String name, long addr, long oldLen, long newLen, long flags, long newAddr) throws ReplayError {
        long r = get(name).mremap(addr, oldLen, newLen, (int) flags, newAddr);
        return Effect.returned(String.format("%s: mremap(0x%x, 0x%x, 0x%x, 0x%x, 0x%x) -> %s", name, addr, oldLen, newLen, flags, newAddr,
            Expectations.ret(OptionalLong.of(r))), r);
    }

    Effect fork(String name, String child) throws ReplayError {
        Process parent = get(name);
        Process c = parent.fork();
        byName.put(child, c);
        // The child's fd table is a copy of the parent's: the same numbers name the same arenas.
        Map<BpfMap.ArenaMap, Integer> fds = arenaFds.get(parent);
        if (fds != null) arenaFds.put(c, new HashMap<>(fds));
        return Effect.returned(String.format("%s: fork() -> %s (pid %d)", name, child, c.pid()), c.pid());
    }

    Effect exit(String name) throws ReplayError {
        get(name).exit();
        return Effect.done(name + ": exit()");
    }

    Effect read(String name, long addr, int size) throws ReplayError {
        UserResult r = get(name).user().load(addr, size);
        return access(name, String.format("read%d(0x%x)", size * 8, addr), r, true);
    }

    Effect write(String name, long addr, int size, long value) throws ReplayError {
        UserResult r = get(name).user().store(addr, size, value);
        return access(name, String.format("write%d(0x%x, 0x%x)", size * 8, addr, value), r, false);
    }

    Effect copy(String name, long src, long dst, long len) throws ReplayError {
        UserResult r = get(name).user().copy(dst, src, len);
        return access(name, String.format("copy(dst 0x%x, src 0x%x, 0x%x bytes)", dst, src, len), r, false);
    }

    Effect runCode(String name, byte[] code, Map<String, Long> regs, long budget) throws ReplayError {
        Process p = get(name);
        long entry = p.loadCode(code);
        if (Errno.isErrValue(entry)) throw new ReplayError("loading user code into " + name + " failed: " + Errno.describe(entry));
        long[] args = new long[6];
        String[] order = {"rdi", "rsi", "rdx", "rcx", "r8", "r9"};
        for (var e : regs.entrySet()) {
            int i = java.util.Arrays.asList(order).indexOf(e.getKey());
            if (i < 0) throw new ReplayError("run_code passes arguments in rdi, rsi, rdx, rcx, r8, r9; \"" + e.getKey() + "\" cannot be set");
            args[i] = e.getValue();
        }
        UserResult r = p.call(entry, new Budget(budget, 10_000_000L, Math.max(1000, budget / 10)), args);
        Effect e = access(name, String.format("run_code(%d bytes at 0x%x)", code.length, entry), r, true);
        // The general-purpose registers as the code left them (what expect.regs compares).
        Map<String, Long> gprs = new LinkedHashMap<>();
        for (X86Reg reg : GPRS) gprs.put(reg.name().toLowerCase(java.util.Locale.ROOT), p.user().lastRegister(reg));
        if (r instanceof UserResult.Exited x) {
            gprs.put("rax", x.status());
            return new Effect(e.summary(), OptionalLong.of(x.status()), e.signal(), OptionalLong.empty(), gprs, false);
        }
        return new Effect(e.summary(), e.ret(), e.signal(), e.value(), gprs, false);
    }

    private Effect access(String name, String what, UserResult r, boolean hasValue) throws ReplayError {
        return switch (r) {
            case UserResult.Value v -> new Effect(name + ": " + what + (hasValue ? " -> 0x" + Long.toHexString(v.value()) : " ok"), OptionalLong.empty(),
                Optional.empty(), hasValue ? OptionalLong.of(v.value()) : OptionalLong.empty(), Map.of("rax", v.value()), false);
            case UserResult.Exited x -> new Effect(name + ": " + what + " exited " + x.status(), OptionalLong.of(x.status()), Optional.empty(),
                OptionalLong.empty(), Map.of(), false);
            case UserResult.Signaled s -> {
                Signal sig = s.signal();
                yield new Effect(name + ": " + what + " -> " + sig, OptionalLong.empty(),
                    Optional.of(new Effect.SignalInfo(sig.signo(), sig.siCode(), sig.address())), OptionalLong.empty(), Map.of(), false);
            }
            case UserResult.Trapped t -> throw new ReplayError(name + ": " + what + " raised CPU exception " + t.vector() + " at 0x" + Long.toHexString(t.rip()), false);
            case UserResult.OutOfBudget b -> throw new ReplayError(name + ": " + what + " ran out of its " + b.limit() + " budget at 0x" + Long.toHexString(b.rip()), false);
        };
    }

    /** A live process with a VMA of {@code arena}, the first declared first. */
    Optional<Process> mapping(BpfMap.ArenaMap arena) {
        for (Process p : byName.values()) {
            if (!p.exited() && p.mm().vmas().stream().anyMatch(v -> v.file() == arena)) return Optional.of(p);
        }
        return Optional.empty();
    }

    Effect flushTlb(String name) throws ReplayError {
        get(name).mm().flushTlbAll();
        return Effect.done(name + ": flush_tlb");
    }

    void exitAll() {
        for (Process p : byName.values()) if (!p.exited()) p.exit();
    }

    /**
     * Every live process's VMAs of the arenas in {@code arenas} (each attributed to the name it
     * maps to) and the present PTEs inside them, read from its page table bytes (only populated
     * subtrees are walked).
     */
    List<WorldState.SpaceState> snapshot(Map<BpfMap.ArenaMap, String> arenas) {
        List<WorldState.SpaceState> out = new ArrayList<>();
        for (var e : byName.entrySet()) {
            Process p = e.getValue();
            if (p.exited()) continue;
            List<WorldState.VmaRange> vmas = new ArrayList<>();
            PteMapBuilder ptes = new PteMapBuilder();   // VMAs in address order: leaves arrive ascending
            PageTable pt = p.mm().pageTable();
            for (Vma v : p.mm().vmas()) {
                String arena = v.file() instanceof BpfMap.ArenaMap m ? arenas.get(m) : null;
                if (arena == null) continue;
                vmas.add(new WorldState.VmaRange(arena, v.start(), v.end(), v.flags()));
                pt.forEachPresentEntry(v.start(), v.end(), ptes);
            }
            out.add(new WorldState.SpaceState(e.getKey(), vmas, ptes.build()));
        }
        return out;
    }
}
