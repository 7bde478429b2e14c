package com.example.arena;

import dev.arenaemu.ArenaEmu;
import dev.arenaemu.BootOptions;
import dev.arenaemu.junit.ArenaEmuTest;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.arena.ArenaAttr;
import dev.arenaemu.kernel.bpf.BpfMap;
import dev.arenaemu.user.Process;
import dev.arenaemu.user.mm.MapFlag;
import dev.arenaemu.user.mm.Prot;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The arena's promise: user space and BPF see the same pages. A process maps the arena and writes
 * (the CPL3 store faults; arena_vm_fault allocates the page and maps it in the kernel range too);
 * a BPF program reads the same value through kern_vm_start + lo32(addr) (addr_space_cast).
 */
@ArenaEmuTest(era = "latest")
class UserWritesBpfReadsTest {
    private static final int PAGES = 16;

    @Test
    void aBpfProgramReadsWhatUserSpaceWrote(ArenaEmu emu) {
        assertEquals(0x1122_3344_5566_7788L, writeFromUserReadFromBpf(emu));
    }

    /** The same through the extension in another era: the annotation on the method wins. */
    @Test
    @ArenaEmuTest(era = "v6.13")
    void theSameInV613(ArenaEmu emu) {
        assertEquals(KernelEra.V6_13, emu.era());
        assertEquals(0x1122_3344_5566_7788L, writeFromUserReadFromBpf(emu));
    }

    /** Without the extension: the root object in a try-with-resources. */
    @Test
    void withoutTheExtension() {
        try (ArenaEmu emu = ArenaEmu.boot(BootOptions.of(KernelEra.V7_0).withCpus(4))) {
            assertEquals(0x1122_3344_5566_7788L, writeFromUserReadFromBpf(emu));
        }
    }

    private static long writeFromUserReadFromBpf(ArenaEmu emu) {
        // BPF_MAP_CREATE of a 16-page arena; the process's fd table takes over the creator's reference
        BpfMap.ArenaMap arena = emu.createArena("arena", ArenaAttr.of(PAGES, 0, 0));
        Process p = emu.spawn();
        long base = p.mmap(0, PAGES * 4096L, Prot.RW, MapFlag.SHARED.bit, p.installFd(arena), 0);
        assertTrue(base > 0, "mmap: " + base);
        long addr = base + 5 * 4096 + 16;
        p.user().store(addr, 8, 0x1122_3344_5566_7788L).value();   // .value() throws if the store took a signal
        assertEquals(1, arena.arena().populatedPages(), "the fault populated the one page touched");

        // a BPF program loads the u64 at addr through the kernel mapping (loaded, run once, released)
        return emu.bpfRead(arena, addr, 8);
    }
}
