package dev.arenaemu.emulator.cpu;

import dev.arenaemu.emulator.x86.X86Reg;
import dev.arenaemu.emulator.memory.HostBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The instruction budget in the module area ({@link Budget}): code there is charged only at the
 * points its owner names, everything else per instruction (BudgetTest).
 */
class ModuleAreaBudgetTest {
    /** loop: dec rcx; jnz loop; then the end. */
    private static final byte[] LOOP = Guest.x86(0x48, 0xFF, 0xC9, 0x75, 0xFB);
    private static final long CODE = Machine.MODULES_VADDR + 0x10_0000;
    private static final long END = CODE + LOOP.length;

    private static Machine machineWithModuleCode() {
        Machine m = new Machine(1);
        placeLoop(m);
        return m;
    }

    private static void placeLoop(Machine m) {
        HostBuffer text = m.allocate("module text", 4096);
        m.kernelPageTable().map(CODE, text.phys(0), 0);   // read-only, executable, as execmem maps text
        m.kernelCpu().write(CODE, LOOP);
    }

    @Test
    void moduleCodeWithoutChargePointsIsNotCharged() {
        try (Machine m = machineWithModuleCode()) {
            m.kernelCpu().reg(X86Reg.RCX, 10_000);
            assertInstanceOf(RunResult.Returned.class, m.kernelCpu().run(CODE, END, new Budget(100, 0, 10)),
                "20,000 instructions, none at a charge point");
        }
    }

    @Test
    void aChargePointStopsTheRunAtItsAddressWithTheInstructionLimit() {
        try (Machine m = machineWithModuleCode()) {
            Cpu cpu = m.kernelCpu();
            cpu.chargeAt(CODE, 2);
            cpu.reg(X86Reg.RCX, 10_000);
            RunResult.BudgetExhausted b = assertInstanceOf(RunResult.BudgetExhausted.class, cpu.run(CODE, END, new Budget(100, 0, 10)));
            assertEquals(RunResult.Limit.INSTRUCTIONS, b.limit());
            assertEquals(CODE, b.rip());
            assertEquals(10_000 - 50, cpu.reg(X86Reg.RCX), "50 visits cost 100; the 51st overdraws");
        }
    }

    @Test
    void aResetMachineForgetsItsOwnersChargePoints() {
        try (Machine m = machineWithModuleCode()) {
            m.kernelCpu().chargeAt(CODE, 1);
            m.reset();
            placeLoop(m);   // the same bytes at the same address: the translation of the charged code was dropped with its hook
            m.kernelCpu().reg(X86Reg.RCX, 1_000);
            assertInstanceOf(RunResult.Returned.class, m.kernelCpu().run(CODE, END, new Budget(10, 0, 10)));
        }
    }

    @Test
    void chargePointsOutsideTheModuleAreaAreRefused() {
        try (Machine m = new Machine(1)) {
            assertThrows(IllegalArgumentException.class, () -> m.kernelCpu().chargeAt(Machine.KERNEL_TEXT_VA, 1),
                "kernel text is charged per instruction already");
            assertThrows(IllegalArgumentException.class, () -> m.kernelCpu().chargeAt(0x40_0000, 1));
        }
    }

    @Test
    void anUncountedMachineChargesNothing() {
        try (Machine m = Machine.uncounted()) {
            Stubs.Stub loop = m.stubs().kernel(LOOP);
            m.kernelCpu().reg(X86Reg.RCX, 10_000);
            assertInstanceOf(RunResult.Returned.class, m.kernelCpu().run(loop.address(), loop.end(), new Budget(100, 0, 10)));
        }
    }
}
