package dev.arenaemu.emulator.cpu;

import dev.arenaemu.emulator.x86.X86Reg;
import dev.arenaemu.emulator.memory.HostBuffer;
import dev.arenaemu.emulator.paging.PageTable;
import dev.arenaemu.emulator.paging.PteFlag;
import dev.arenaemu.emulator.trap.FaultResolution;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Machine#reset()}: the next user of a reset machine sees what a new machine shows — the
 * same physical addresses for the same requests, zeroed memory, only the boot leaves in the
 * kernel table, no stale translation — while engines and host memory are kept.
 */
class MachineResetTest {
    private static final long VA = 0xFFFF_C900_0000_0000L;
    private static final byte[] LOAD = {0x48, (byte) 0x8B, 0x07};   // mov rax, [rdi]

    @Test
    void theSameRequestsGetTheSameZeroedBuffersAtTheSameAddresses() {
        try (Machine m = new Machine()) {
            HostBuffer a = m.allocate("a", 1 << 20);
            HostBuffer b = m.allocate("b", 1 << 16);
            a.memory().set(ValueLayout.JAVA_LONG, 0, 0x1234);
            m.reset();
            HostBuffer a2 = m.allocate("a", 1 << 20);
            HostBuffer b2 = m.allocate("b", 1 << 16);
            assertEquals(a.physBase(), a2.physBase());
            assertEquals(b.physBase(), b2.physBase());
            assertEquals(0, a2.memory().get(ValueLayout.JAVA_LONG, 0), "a reused buffer reads as zero, as fresh host memory does");
            assertEquals(a.memory().address(), a2.memory().address(), "the host memory itself was kept");
        }
    }

    @Test
    void anotherSizeAtAReusedAddressGetsNewMemory() {
        try (Machine m = new Machine()) {
            HostBuffer a = m.allocate("a", 1 << 20);
            m.reset();
            HostBuffer other = m.allocate("other", 1 << 21);
            assertEquals(a.physBase(), other.physBase(), "placement depends on the requests since boot only");
            assertEquals(1 << 21, other.size());
        }
    }

    @Test
    void kernelLeavesMadeAfterBootAreGoneAndNotServedFromTheTlb() {
        try (Machine m = new Machine()) {
            Cpu k = m.kernelCpu();
            HostBuffer data = m.allocate("data", 4096);
            m.kernelPageTable().map(VA, data.phys(0), PteFlag.RW);
            data.memory().set(ValueLayout.JAVA_LONG, 0, 0xBBBB);
            Stubs.Stub load = m.stubs().kernel(LOAD);
            k.reg(X86Reg.RDI, VA);
            assertInstanceOf(RunResult.Returned.class, k.run(load.address(), load.end(), Budget.SHORT));   // fills the TLB
            assertEquals(0xBBBB, k.reg(X86Reg.RAX));

            m.reset();
            assertEquals(0, m.kernelPageTable().entry(VA), "the leaf made after boot is gone");
            HostBuffer again = m.allocate("data", 4096);
            assertTrue(k.regionsRevived() >= 1, "the identical physical region came back without Unicorn calls");
            Stubs.Stub load2 = m.stubs().kernel(LOAD);
            assertEquals(load.address(), load2.address(), "stubs are placed where they were after boot");
            k.reg(X86Reg.RDI, VA);
            RunResult r = k.run(load2.address(), load2.end(), Budget.SHORT);
            RunResult.Delivered d = assertInstanceOf(RunResult.Delivered.class, r, "no PTE, no cached translation: the load faults");
            assertEquals(VA, d.fault().address());
        }
    }

    @Test
    void handlersAndCodeHooksOfThePreviousUserAreGone() {
        try (Machine m = new Machine()) {
            Cpu k = m.kernelCpu();
            int[] calls = {0};
            k.setFaultHandler((fault, cpu) -> { calls[0]++; return FaultResolution.DELIVER; });
            k.hookCode(Machine.KERNEL_TEXT_VA, Machine.KERNEL_TEXT_VA + 0xFFF, (address, size) -> calls[0]++);
            m.reset();
            Stubs.Stub load = m.stubs().kernel(LOAD);
            k.reg(X86Reg.RDI, VA);
            assertInstanceOf(RunResult.Delivered.class, k.run(load.address(), load.end(), Budget.SHORT));
            assertEquals(0, calls[0], "neither the old fault handler nor the old hook ran");
            assertEquals(1, k.faultCount(), "the fault count restarted with the new user");
        }
    }

    /** mov eax, imm32 at USER_CODE_VA, then the user exit: the bytes a host write changes between lives. */
    private static final long USER_CODE_VA = 0x40_0000L;

    private static long runUserCode(Machine m, Cpu cpu, HostBuffer code, int imm) {
        code.memory().asSlice(0, 5).copyFrom(java.lang.foreign.MemorySegment.ofArray(new byte[] {(byte) 0xB8, (byte) imm, 0, 0, 0}));
        PageTable root = m.newUserPageTable();
        root.map(USER_CODE_VA, code.phys(0), PteFlag.US);
        Stubs.Stub exit = m.stubs().userThenExit(new byte[0]);
        code.memory().asSlice(5, 5).copyFrom(java.lang.foreign.MemorySegment.ofArray(jumpTo(USER_CODE_VA + 5, exit.end())));
        cpu.switchAddressSpace(root);
        cpu.enterUserMode();
        cpu.ranUserCode();
        RunResult r = cpu.run(USER_CODE_VA, exit.end(), Budget.SHORT);
        long rax = cpu.reg(X86Reg.RAX);                 // the CPL3 state's, before the CPL0 state comes back
        cpu.enterKernelMode();
        assertInstanceOf(RunResult.Returned.class, r);
        return rax;
    }

    private static byte[] jumpTo(long at, long target) {
        int rel = (int) (target - (at + 5));
        return new byte[] {(byte) 0xE9, (byte) rel, (byte) (rel >> 8), (byte) (rel >> 16), (byte) (rel >> 24)};
    }

    /** A page of user code that CPU 1 ran once (it returned 0x11): CPU 1 now holds its translation. */
    private static HostBuffer codeCpu1Ran(Machine m) {
        HostBuffer code = m.allocate("user code", 4096);
        assertEquals(0x11, runUserCode(m, m.cpu(1), code, 0x11));
        return code;
    }

    @Test
    void userCodeTranslatedInOneLifeIsNotRunInTheNext() {
        try (Machine m = new Machine()) {
            HostBuffer code = codeCpu1Ran(m);
            m.reset();
            HostBuffer again = m.allocate("user code", 4096);
            assertEquals(code.physBase(), again.physBase(), "the same frame at the same address: only the translation could differ");
            assertEquals(0x22, runUserCode(m, m.cpu(1), again, 0x22), "a reset drops the translations of a CPU that ran user code");
        }
    }

    /**
     * Within one life: bytes rewritten outside an engine (the host, another CPU's stores) do not
     * drop that engine's translation of them (README quirk 4), so a CPU told that user code was
     * placed elsewhere drops its translations before it runs user code again.
     */
    @Test
    void userCodePlacedThroughAnotherCpuIsNotRunFromAStaleTranslation() {
        try (Machine m = new Machine()) {
            HostBuffer code = codeCpu1Ran(m);
            Cpu cpu1 = m.cpu(1);
            assertEquals(0x11, runUserCode(m, cpu1, code, 0x22), "nobody told CPU 1: it runs its translation of the old bytes");
            m.userCodePlaced(m.cpu(0));
            assertEquals(0x33, runUserCode(m, cpu1, code, 0x33), "told, CPU 1 translated the new bytes");
        }
    }

    @Test
    void resetPutsEveryCpuBackAtCpl0UnderTheKernelRoot() {
        try (Machine m = new Machine()) {
            Cpu cpu = m.cpu(1);
            cpu.switchAddressSpace(m.newUserPageTable());
            cpu.enterUserMode();
            m.reset();
            for (Cpu each : m.kernelCpus()) {
                assertEquals(0, each.cpl());
                assertEquals(m.kernelPageTable().root(), each.reg(X86Reg.CR3));
                assertSame(m.kernelPageTable(), each.pageTable());
            }
        }
    }
}
