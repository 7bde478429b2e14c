package dev.arenaemu.emulator.cpu;

import dev.arenaemu.emulator.ffm.HostMemory;
import dev.arenaemu.emulator.x86.X86Reg;
import dev.arenaemu.emulator.memory.HostBuffer;
import dev.arenaemu.emulator.paging.PteFlag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Physical RAM is reserved with MAP_NORESERVE and mapped once per engine: the host must pay only
 * for the frames the guest touches, whatever virtual addresses show them.
 */
class HostMemoryFootprintTest {
    private static final long MIB = 1L << 20;
    private static final long KERNEL_ARENA_VA = 0xFFFF_C900_0000_0000L;

    private static long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }


    @Test
    void fourGibOfPhysicalRamCostsOnlyTheTouchedFrames() throws IOException {
        int touched = 1000;
        try (Machine m = new Machine()) {
            Cpu k = m.kernelCpu();
            Stubs.Stub loop = m.stubs().kernel(Guest.x86(
                0x48, 0x89, 0x07,                      // loop: mov [rdi], rax
                0x48, 0x81, 0xC7, 0x00, 0x10, 0, 0,    //       add rdi, 0x1000
                0x48, 0xFF, 0xC9,                      //       dec rcx
                0x75, 0xF1));                          //       jnz loop
            for (int p = 0; p < touched; p++) m.kernelPageTable().map(KERNEL_ARENA_VA + 4096L * p, 0, PteFlag.RW);  // table pages now, not in the measured window
            System.gc();

            long before = rssBytes();
            HostBuffer arena = m.allocate("arena", 4L << 30);
            long reserved = rssBytes();
            // The host may merge the reservation with a neighbouring one into one VMA: count from here.
            long arenaVmaBefore = HostMemory.residentBytes(arena.memory().address());
            assertTrue(reserved - before < 8 * MIB, "4 GiB of RAM reserved and mapped in two engines cost "
                + (reserved - before) / MIB + " MiB of RSS");

            for (int p = 0; p < touched; p++) m.kernelPageTable().map(KERNEL_ARENA_VA + 4096L * p, arena.phys(4096L * p), PteFlag.RW);
            k.reg(X86Reg.RDI, KERNEL_ARENA_VA);
            k.reg(X86Reg.RCX, touched);
            k.reg(X86Reg.RAX, 1);
            assertInstanceOf(RunResult.Returned.class, k.run(loop.address(), loop.end(), Budget.DEFAULT));
            long grown = rssBytes() - reserved;
            assertTrue(grown < touched * 4096L + 8 * MIB, "touching " + touched + " pages grew RSS by " + grown / MIB + " MiB");
            // The process-wide figure moves with the JVM's own heap; the arena's mapping is exact.
            assertEquals(touched * 4096L, HostMemory.residentBytes(arena.memory().address()) - arenaVmaBefore,
                "resident bytes the guest's stores added to the 4 GiB reservation");
        }
    }

    @Test
    void closingTheMachineReturnsItsHostMemoryAndLaterAccessThrowsInsteadOfCrashing() {
        HostBuffer data;
        HostBuffer released;
        try (Machine m = new Machine()) {
            data = m.allocate("data", 1L << 20);
            released = m.allocate("released early", 1L << 20);
            released.memory().set(ValueLayout.JAVA_LONG, 0, 1);
            m.release(released);
            assertThrows(IllegalStateException.class, () -> released.memory().get(ValueLayout.JAVA_LONG, 0));
            data.memory().set(ValueLayout.JAVA_LONG, 0, 2);
        }
        assertThrows(IllegalStateException.class, () -> data.memory().get(ValueLayout.JAVA_LONG, 0));
    }
}
