package dev.arenaemu.emulator.cpu;

import dev.arenaemu.emulator.x86.X86Reg;
import dev.arenaemu.emulator.paging.PteFlag;
import dev.arenaemu.emulator.trap.FaultResolution;
import dev.arenaemu.emulator.trap.SyscallHandler;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A bug in Java code called from inside the engine must surface as that exception from
 * {@link Cpu#run}, not kill the JVM (an FFM upcall that throws aborts it: emulator/README.md, "Quirks"), and must not
 * leave the CPU unusable.
 */
class HandlerExceptionTest {
    static final class Boom extends RuntimeException {
        Boom() { super("boom from a handler"); }
    }

    private static final byte[] LOAD = Guest.x86(0x48, 0x8B, 0x07);    // mov rax, [rdi]

    @Test
    void exceptionInFaultHandlerSurfacesFromRunAndTheCpuRunsAgain() {
        try (Guest g = new Guest(4)) {
            Boom boom = new Boom();
            g.kernel.setFaultHandler((fault, cpu) -> { throw boom; });
            Stubs.Stub code = g.kernelCode(LOAD);
            g.kernel.reg(X86Reg.RDI, g.kva(0));
            assertSame(boom, assertThrows(Boom.class, () -> g.kernel.run(code.address(), code.end(), Budget.SHORT)));
            assertEquals(code.address(), g.kernel.reg(X86Reg.RIP), "stopped at the faulting load");

            g.poke(0, 0, 77);
            g.kernel.setFaultHandler((fault, cpu) -> { g.mapKernel(0, PteFlag.RW); return FaultResolution.RETRY; });
            assertInstanceOf(RunResult.Returned.class, g.kernel.run(code.address(), code.end(), Budget.SHORT));
            assertEquals(77, g.kernel.reg(X86Reg.RAX));
            // and the next fault is still a #PF, not a #DF left over from the aborted one
            g.kernel.setFaultHandler((fault, cpu) -> FaultResolution.DELIVER);
            g.kernel.reg(X86Reg.RDI, g.kva(1));
            assertInstanceOf(RunResult.Delivered.class, g.kernel.run(code.address(), code.end(), Budget.SHORT));
        }
    }

    @Test
    void exceptionInSyscallHandlerSurfacesFromRunAndTheUserCpuStaysAtCpl3() {
        try (Guest g = new Guest(4)) {
            Stubs.Stub code = g.userCode(Guest.x86(0x0F, 0x05));          // syscall
            g.user.setSyscallHandler(cpu -> { throw new Boom(); });
            assertThrows(Boom.class, () -> g.user.run(code.address(), code.end(), Budget.SHORT));
            assertEquals(3, g.user.cpl());
            g.user.setSyscallHandler(cpu -> SyscallHandler.Action.RESUME);
            assertInstanceOf(RunResult.Returned.class, g.user.run(code.address(), code.end(), Budget.SHORT));
        }
    }

    @Test
    void exceptionInCodeHookSurfacesFromRunAndTheCpuRunsAgain() {
        try (Guest g = new Guest(4)) {
            Stubs.Stub code = g.kernelCode(Guest.x86(0x90, 0x48, 0xFF, 0xC0));   // nop; inc rax
            long hook = g.kernel.hookCode(code.address() + 1, code.address() + 1, (address, size) -> { throw new Boom(); });
            assertThrows(Boom.class, () -> g.kernel.run(code.address(), code.end(), Budget.SHORT));
            g.kernel.unhook(hook);
            g.kernel.reg(X86Reg.RAX, 1);
            assertInstanceOf(RunResult.Returned.class, g.kernel.run(code.address(), code.end(), Budget.SHORT));
            assertEquals(2, g.kernel.reg(X86Reg.RAX));
        }
    }
}
