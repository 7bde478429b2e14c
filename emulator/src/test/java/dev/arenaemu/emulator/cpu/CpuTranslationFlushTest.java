package dev.arenaemu.emulator.cpu;

import dev.arenaemu.emulator.x86.X86Reg;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Code rewritten in place runs only after {@link Cpu#flushTranslations}: a host write does not drop
 * the old block (2.1.4 as 2.0.1, emulator/README.md quirk 4). On 2.0.1 the first flush of an engine
 * took 18–24 s on a loaded 2-core VM and later ones 0.6–1.1 s; on 2.1.4 this whole test (boot
 * included) takes under 0.4 s, so that figure is history, though callers still keep flushes rare.
 */
class CpuTranslationFlushTest {
    private static final byte[] MOV_EAX_1 = {(byte) 0xB8, 1, 0, 0, 0, (byte) 0x90};
    private static final byte[] MOV_EAX_2 = {(byte) 0xB8, 2, 0, 0, 0, (byte) 0x90};

    @Test
    void rewrittenCodeRunsAfterTheTranslationFlush() {
        try (Machine machine = new Machine()) {
            Cpu cpu = machine.kernelCpu();
            Stubs.Stub stub = machine.stubs().kernel(MOV_EAX_1);
            cpu.run(stub.address(), stub.end(), Budget.SHORT);
            assertEquals(1, cpu.reg(X86Reg.RAX));
            cpu.write(stub.address(), MOV_EAX_2);
            cpu.flushTranslations();
            cpu.run(stub.address(), stub.end(), Budget.SHORT);
            assertEquals(2, cpu.reg(X86Reg.RAX));
        }
    }
}
