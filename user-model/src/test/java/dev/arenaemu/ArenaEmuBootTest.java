package dev.arenaemu;

import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.emulator.cpu.MachinePool;
import dev.arenaemu.kernel.Capability;
import dev.arenaemu.kernel.CreateResult;
import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.Kernel;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.arena.ArenaAttr;
import dev.arenaemu.kernel.bpf.BpfMap;
import dev.arenaemu.kernel.bpf.BpfSyscall;
import dev.arenaemu.kernel.bpf.ProgLoadAttr;
import dev.arenaemu.kernel.bpf.asm.Assembler;
import dev.arenaemu.kernel.inject.InjectionSite;
import dev.arenaemu.user.Process;
import dev.arenaemu.user.mm.MapFlag;
import dev.arenaemu.user.mm.Prot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.EnumSet;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The root object: one booted system whose parts belong together, its factories and its shutdown. */
class ArenaEmuBootTest {
    private static final int PAGES = 16;

    @Test
    void thePartsAreOneSystemOfTheEraAsked() {
        try (ArenaEmu emu = ArenaEmu.boot("v6.13")) {
            assertEquals(KernelEra.V6_13, emu.era());
            assertSame(emu.machine(), emu.kernel().machine());
            assertSame(emu.kernel(), emu.bpf().kernel());
            assertSame(emu.machine(), emu.processes().machine());
            assertSame(emu.kernel().frames(), emu.processes().frames());
            assertEquals(Machine.DEFAULT_CPUS, emu.machine().cpuCount());
            assertEquals(EnumSet.allOf(Capability.class), emu.kernel().capabilities());
        }
    }

    @Test
    void optionsReachTheMachineAndTheKernel() {
        BootOptions o = BootOptions.of(KernelEra.V7_0).withCpus(3).withCapabilities(EnumSet.of(Capability.CAP_BPF));
        try (ArenaEmu emu = ArenaEmu.boot(o)) {
            assertEquals(3, emu.machine().cpuCount());
            assertTrue(emu.kernel().capable(Capability.CAP_BPF));
            assertFalse(emu.kernel().capable(Capability.CAP_SYS_ADMIN));
            // BPF_MAP_CREATE of an array needs bpf_capable() (kernel/bpf/syscall.c map_create): CAP_BPF is enough
            assertInstanceOf(CreateResult.Created.class, emu.bpf().mapCreateArray("a", 8, 0, new byte[8]));
        }
    }

    @Test
    void anUnknownEraNamesTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ArenaEmu.boot("v5.4"));
        assertTrue(e.getMessage().contains("v5.4") && e.getMessage().contains("latest"), e.getMessage());
    }

    @Test
    void aKernelHasOneBpfSyscall_aSecondWouldMapItsJitImagesOverTheFirst() {
        try (ArenaEmu emu = ArenaEmu.boot(KernelEra.LATEST)) {
            Kernel kernel = emu.kernel();
            assertThrows(IllegalStateException.class, () -> new BpfSyscall(kernel));
        }
    }

    /**
     * A user store faults the page in (arena_vm_fault allocates it and maps it in the kernel range
     * too); a BPF program reads the same frame through kern_vm_start + lo32(addr)
     * (addr_space_cast, docs/semantics.md#kernel-side-access; catalogue 57).
     */
    @ParameterizedTest
    @EnumSource(KernelEra.class)
    void userWritesAndABpfProgramReadsTheSameArenaPage(KernelEra era) {
        try (ArenaEmu emu = ArenaEmu.boot(era)) {
            BpfMap.ArenaMap arena = emu.createArena("arena", ArenaAttr.of(PAGES, 0, 0));
            Process p = emu.spawn();
            long base = p.mmap(0, PAGES * 4096L, Prot.RW, MapFlag.SHARED.bit, p.installFd(arena), 0);
            assertTrue(base > 0, "mmap returned " + base);
            long addr = base + 3 * 4096 + 8;
            assertEquals(0, arena.arena().populatedPages(), "mmap populates nothing");
            p.user().store(addr, 8, 0x1122_3344_5566_7788L).value();
            assertEquals(1, arena.arena().populatedPages(), "the user fault allocated exactly the touched page");
            assertEquals(0x1122_3344_5566_7788L, emu.bpfRead(arena, addr, 8));
            assertEquals(0x7788, emu.bpfRead(arena, addr, 2), "little-endian: the low bytes first");
            assertEquals(0x5566_7788L, emu.bpfRead(arena, addr, 4));
            assertEquals(0x11, emu.bpfRead(arena, addr + 7, 1));
            assertEquals(1, arena.arena().populatedPages(), "the BPF reads populated nothing");
            assertEquals(0, emu.bpfRead(arena, base + 4096, 8), "an unpopulated page reads 0 (the exception table's fixup)");
            assertTrue(emu.bpf().progs().isEmpty(), "each read releases its program");
            assertThrows(IllegalArgumentException.class, () -> emu.bpfRead(arena, addr, 3));
        }
    }

    /**
     * close() shuts down as exit does: the process's fd and VMA drop their references, the program
     * its used_maps one; the last put runs arena_map_free (catalogue 68: not before).
     */
    @Test
    void closeExitsProcessesAndReleasesProgramsSoTheArenaIsFreed() {
        ArenaEmu emu = ArenaEmu.boot(KernelEra.LATEST);
        BpfMap.ArenaMap arena = emu.createArena("arena", ArenaAttr.of(PAGES, 0, 0));
        Process p = emu.spawn();
        long base = p.mmap(0, PAGES * 4096L, Prot.RW, MapFlag.SHARED.bit, p.installFd(arena), 0);
        p.user().store(base, 8, 1).value();
        emu.bpf().progLoad(Assembler.assemble("p", "syscall", "r1 = map[arena] ll\nr0 = 0\nexit"), Map.of("arena", arena), ProgLoadAttr.DEFAULT).orThrow();
        emu.close();
        assertTrue(p.exited());
        assertTrue(emu.bpf().progs().isEmpty());
        assertTrue(arena.arena().isFreed(), "arena_map_free ran with the last reference");
        assertTrue(emu.isClosed());
        assertThrows(IllegalStateException.class, emu::spawn);
        emu.close();   // idempotent
    }

    @Test
    void aPooledMachineGoesBackResetAndTheNextSystemGetsIt() {
        MachinePool pool = new MachinePool(1);
        BootOptions o = BootOptions.of(KernelEra.LATEST).withPool(pool);
        Machine first;
        long usedAtBoot;
        try (ArenaEmu emu = ArenaEmu.boot(o)) {
            first = emu.machine();
            usedAtBoot = emu.kernel().frames().used();
            BpfMap.ArenaMap arena = emu.createArena("arena", ArenaAttr.of(PAGES, 0, 0));
            Process p = emu.spawn();
            p.user().store(p.mmap(0, PAGES * 4096L, Prot.RW, MapFlag.SHARED.bit, p.installFd(arena), 0), 8, 1).value();
        }
        try (ArenaEmu emu = ArenaEmu.boot(o)) {
            assertSame(first, emu.machine());
            assertEquals(1, pool.reusedCount());
            // the reset machine shows the new kernel what a new one would (Machine.reset): the frames of the first system's arena are not in use
            assertEquals(usedAtBoot, emu.kernel().frames().used());
        }
    }

    @Test
    void aDiscardedSystemDoesNotGoBackToThePool() {
        MachinePool pool = new MachinePool(1);
        BootOptions o = BootOptions.of(KernelEra.LATEST).withPool(pool);
        Machine first;
        ArenaEmu emu = ArenaEmu.boot(o);
        first = emu.machine();
        emu.spawn();
        emu.discard();
        emu.close();
        try (ArenaEmu next = ArenaEmu.boot(o)) {
            assertNotSame(first, next.machine());
        }
    }

    /** A factory override puts its own part in place before anything runs on it. */
    @Test
    void aSubclassArmsFaultInjectionInItsKernelFactory() {
        class FailingVaReserve extends ArenaEmu {
            FailingVaReserve(BootOptions options) { super(options); }

            @Override
            protected Kernel createKernel(Machine machine, BootOptions options) {
                Kernel k = super.createKernel(machine, options);
                k.faultInjection().failNth(InjectionSite.KERNEL_VA_RESERVE, 1);
                return k;
            }
        }
        try (ArenaEmu emu = new FailingVaReserve(BootOptions.of(KernelEra.V6_13))) {
            // arena_map_alloc: bpf_map_area_alloc's get_vm_area fails first → -ENOMEM (docs/semantics.md#creation)
            CreateResult<BpfMap> r = emu.bpf().mapCreateArena("arena", ArenaAttr.of(PAGES, 0, 0));
            assertEquals(Errno.ENOMEM, assertInstanceOf(CreateResult.Failed.class, r).errno());
            assertInstanceOf(CreateResult.Created.class, emu.bpf().mapCreateArena("arena", ArenaAttr.of(PAGES, 0, 0)), "fail-nth fails once");
        }
    }
}
