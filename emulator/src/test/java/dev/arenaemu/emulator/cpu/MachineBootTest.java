package dev.arenaemu.emulator.cpu;

import dev.arenaemu.emulator.x86.X86Reg;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

class MachineBootTest {
    @Test
    void bootsPassesSelfCheckAndACpuEntersUserModeAtCpl3UnderTheRootItLoaded() {
        try (Machine m = new Machine()) {
            Cpu user = m.cpu(1);
            var root = m.newUserPageTable();
            user.switchAddressSpace(root);
            user.enterUserMode();
            assertEquals(3, user.cpl());
            assertEquals(0x23, user.reg(X86Reg.CS));
            assertEquals(root.root(), user.reg(X86Reg.CR3));
            assertEquals(0, m.kernelCpu().cpl());
            assertEquals(m.kernelPageTable().root(), m.kernelCpu().reg(X86Reg.CR3), "CPU 0 still walks the kernel's root");
        }
    }

    @Test
    void everyCpuHasItsOwnKernelStackBelowAnUnmappedGap() {
        try (Machine m = new Machine(3)) {
            for (int i = 0; i < 3; i++) {
                Cpu cpu = m.cpu(i);
                assertEquals(Machine.kernelStackTop(i), cpu.kernelStackTop());
                assertEquals(cpu.kernelStackTop(), cpu.reg(X86Reg.RSP), "RSP at boot is the top of the CPU's own stack");
                assertEquals(cpu.kernelStackTop() - Machine.KERNEL_STACK_SIZE, cpu.kernelStackBottom());
                assertEquals(0, m.kernelPageTable().entry(cpu.kernelStackBottom() - 4096) & dev.arenaemu.emulator.paging.PteFlag.P,
                    "the page below CPU " + i + "'s stack is unmapped: an overflow faults instead of running into another stack");
                assertEquals(dev.arenaemu.emulator.paging.PteFlag.P, m.kernelPageTable().entry(cpu.kernelStackBottom()) & dev.arenaemu.emulator.paging.PteFlag.P);
            }
            cpuWritesLandOnItsOwnStack(m);
        }
    }

    /** CPU 0 and CPU 1 push at once-equal RSP offsets: the values land in two different frames. */
    private static void cpuWritesLandOnItsOwnStack(Machine m) {
        Stubs.Stub push = m.stubs().kernel(new byte[] {0x57, 0x58});   // push rdi; pop rax
        for (int i = 0; i < 2; i++) {
            Cpu cpu = m.cpu(i);
            cpu.reg(X86Reg.RDI, 0x100 + i);
            assertInstanceOf(RunResult.Returned.class, cpu.run(push.address(), push.end(), Budget.SHORT));
        }
        assertEquals(0x100, java.nio.ByteBuffer.wrap(m.kernelCpu().read(Machine.kernelStackTop(0) - 8, 8)).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong());
        assertEquals(0x101, java.nio.ByteBuffer.wrap(m.kernelCpu().read(Machine.kernelStackTop(1) - 8, 8)).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong());
    }
}
