package dev.arenaemu.user;

import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.arena.Arena;
import dev.arenaemu.user.exec.UserResult;
import dev.arenaemu.user.mm.MapFlag;
import dev.arenaemu.user.mm.Prot;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The arena's point (docs/semantics.md#address-arithmetic, selftest arena_list): the kernel side
 * builds a data structure whose pointers are user addresses, and user space follows them natively
 * with no translation.
 */
class ArenaLinkedListWalkTest {
    /**
     * sum(list): rdi = head (user pointer); each node is {u64 next; u64 value}.
     * <pre>
     *   31 C0          xor  eax, eax
     * loop:
     *   48 85 FF       test rdi, rdi
     *   74 09          jz   done
     *   48 03 47 08    add  rax, [rdi + 8]
     *   48 8B 3F       mov  rdi, [rdi]
     *   EB F2          jmp  loop
     * done:
     *   C3             ret
     * </pre>
     */
    static final byte[] SUM_LIST = {0x31, (byte) 0xC0, 0x48, (byte) 0x85, (byte) 0xFF, 0x74, 0x09,
        0x48, 0x03, 0x47, 0x08, 0x48, (byte) 0x8B, 0x3F, (byte) 0xEB, (byte) 0xF2, (byte) 0xC3};

    @Test
    void userCodeAtCpl3WalksAThousandNodeListTheKernelBuiltWithUserPointers() {
        try (UserWorld w = new UserWorld()) {
            Arena arena = w.arena(16, 0, 0);
            Process u = w.processes.spawn();
            long x = u.mmap(0, 16 * 4096, Prot.RW, MapFlag.SHARED.bit, u.installFd(arena), 0);
            assertFalse(Errno.isErrValue(x), Errno.describe(x));

            // Kernel side: bpf_arena_alloc_pages, then node stores through the kernel mapping
            // (CPL0 on the kernel CPU), each "next" holding the user address of the following node.
            int nodes = 1000;
            long pages = (nodes * 16L + 4095) / 4096;
            long head = arena.allocPages(0, (int) pages, -1, 0);
            assertEquals(x, head);
            KernelAccess bpf = new KernelAccess(w.machine, arena);
            for (int i = 0; i < nodes; i++) {
                long node = head + 16L * i;
                long next = i + 1 < nodes ? node + 16 : 0;
                assertTrue(bpf.write(node, next));
                assertTrue(bpf.write(node + 8, i + 1));
            }

            long code = u.loadCode(SUM_LIST);
            assertFalse(Errno.isErrValue(code), Errno.describe(code));
            UserResult r = u.call(code, Budget.DEFAULT, head);
            assertEquals(new UserResult.Exited(nodes * (nodes + 1L) / 2), r);
            for (long p = 0; p < pages; p++) assertTrue(u.mm().pageTable().walk(x + p * 4096).present(), "faulted in by the walk");
        }
    }
}
