package dev.arenaemu.emulator.cpu;

import dev.arenaemu.emulator.memory.HostBuffer;
import dev.arenaemu.emulator.paging.PageTable;
import dev.arenaemu.emulator.paging.PteFlag;

import java.lang.foreign.ValueLayout;

/**
 * Test fixture: a machine with one data buffer of physical pages, a kernel VA range and a user VA
 * range (one user root, loaded by CPU 2 of three, which waits at CPL3; CPUs 0 and 1 stay at CPL0) where tests map its pages. Only PTEs make a page visible: which pages
 * are present, with which rights and which frame, is left to each test.
 */
final class Guest implements AutoCloseable {
    static final long KERNEL_DATA_VA = 0xFFFF_C900_0000_0000L;   // vmalloc area
    static final long USER_DATA_VA = 0x0000_0100_0000_0000L;     // 1 TiB

    final Machine machine;
    final HostBuffer data;
    final Cpu kernel;
    final PageTable userTable;
    final Cpu user;

    Guest(long pages) {
        machine = new Machine(3);
        data = machine.allocate("test data", pages * 4096);
        kernel = machine.kernelCpu();
        userTable = machine.newUserPageTable();
        user = machine.cpu(2);
        user.switchAddressSpace(userTable);
        user.enterUserMode();
    }

    long kva(long page) { return KERNEL_DATA_VA + page * 4096; }
    long uva(long page) { return USER_DATA_VA + page * 4096; }

    /** Maps data page {@code page} at its kernel VA with {@code flags} (P implied). */
    void mapKernel(long page, long flags) {
        machine.kernelPageTable().map(kva(page), data.phys(page * 4096), flags);
    }

    /** Maps data page {@code page} at its user VA with {@code flags} (P implied; add US for user access). */
    void mapUser(long page, long flags) {
        userTable.map(uva(page), data.phys(page * 4096), flags);
    }

    void poke(long page, long offset, long value) {
        data.memory().set(ValueLayout.JAVA_LONG_UNALIGNED, page * 4096 + offset, value);
    }

    long peek(long page, long offset) {
        return data.memory().get(ValueLayout.JAVA_LONG_UNALIGNED, page * 4096 + offset);
    }

    /** Places kernel code followed by nothing: run it from {@code address} until {@code end}. */
    Stubs.Stub kernelCode(byte... code) { return machine.stubs().kernel(code); }
    Stubs.Stub userCode(byte... code) { return machine.stubs().user(code); }

    /** Hand-encoded x86-64 bytes written as ints (each test comments the instructions). */
    static byte[] x86(int... bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) out[i] = (byte) bytes[i];
        return out;
    }

    static final long RW_USER = PteFlag.RW | PteFlag.US;

    @Override
    public void close() {
        machine.close();
    }
}
