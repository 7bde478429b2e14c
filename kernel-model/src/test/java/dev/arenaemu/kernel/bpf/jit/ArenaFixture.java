package dev.arenaemu.kernel.bpf.jit;

import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.emulator.memory.HostBuffer;
import dev.arenaemu.emulator.paging.Pte;
import dev.arenaemu.emulator.paging.PteFlag;


/**
 * The arena's kernel side without the arena model: a 4 GiB + 64 KiB host buffer mapped at a
 * vmalloc-like kernel VA, kern_vm_start 32 KiB in (the lower guard), and kernel PTEs installed
 * by hand for "populated" pages.
 */
final class ArenaFixture {
    static final long KERN_VM_BASE = 0xFFFF_C900_0000_0000L;
    static final long GUARD = 0x8000;
    static final long KERN_VM_START = KERN_VM_BASE + GUARD;
    static final long USER_VM_START = 0x1000_0000_0000L;     // map_extra 1 << 44
    static final long SIZE = (1L << 32) + 2 * GUARD;

    final Machine machine;
    final HostBuffer buffer;

    ArenaFixture(Machine machine) {
        this.machine = machine;
        this.buffer = machine.allocate("arena kern_vm", SIZE);
    }

    JitOptions options() {
        return JitOptions.arena(KERN_VM_START, USER_VM_START);
    }

    void populate(long pgoff) {
        long off = GUARD + pgoff * 4096;
        machine.kernelPageTable().map(KERN_VM_BASE + off, buffer.phys(off), PteFlag.RW);
    }

    boolean present(long kaddr) {
        Pte pte = machine.kernelPageTable().walk(kaddr);
        return pte != null && pte.present();
    }

    long read(long arenaOffset, int size) {
        long at = GUARD + arenaOffset;
        return switch (size) {
            case 1, 2, 4 -> {
                byte[] b = buffer.read(at, size);
                long v = 0;
                for (int i = size - 1; i >= 0; i--) v = v << 8 | (b[i] & 0xFF);
                yield v;
            }
            default -> buffer.getLong(at);
        };
    }

    void write64(long arenaOffset, long value) {
        buffer.putLong(GUARD + arenaOffset, value);
    }
}
