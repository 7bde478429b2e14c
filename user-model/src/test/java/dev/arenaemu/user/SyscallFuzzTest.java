package dev.arenaemu.user;

import dev.arenaemu.emulator.memory.PhysicalMemory;
import dev.arenaemu.kernel.Errno;
import dev.arenaemu.user.exec.UserResult;
import dev.arenaemu.user.mm.Mm;
import dev.arenaemu.user.mm.Vma;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile arguments to mmap/munmap/mprotect/mremap and accesses anywhere (seeded): every call
 * returns an address or a known errno, nothing throws, and the address space stays consistent
 * with its Unicorn regions and PTEs. Arena and test-file mappings take part.
 */
class SyscallFuzzTest {
    static LongStream seeds() {
        return LongStream.rangeClosed(1, 25);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void hostileSyscallsReturnErrnosAndLeaveAConsistentAddressSpace(long seed) {
        Random r = new Random(seed);
        try (UserWorld w = new UserWorld(seed % 2 == 0 ? dev.arenaemu.kernel.KernelEra.V6_13 : dev.arenaemu.kernel.KernelEra.LATEST)) {
            Process p = w.processes.spawn();
            int arenaFd = p.installFd(w.arena(8, 0, 0));
            int fileFd = p.installFd(new TestFile(w.machine, w.kernel.frames(), 64));
            int[] fds = {arenaFd, fileFd, -1, 0, 99};
            for (int step = 0; step < 60; step++) {
                long ret = switch (r.nextInt(6)) {
                    case 0 -> p.mmap(addr(r, p), len(r), prot(r), flags(r), fds[r.nextInt(fds.length)], r.nextInt(8) == 0 ? 4096 : 0);
                    case 1 -> p.munmap(addr(r, p), len(r));
                    case 2 -> p.mprotect(addr(r, p), len(r), prot(r));
                    case 3 -> p.mremap(addr(r, p), len(r), len(r), r.nextInt(8), addr(r, p));
                    case 4 -> access(p.user().load(addr(r, p), 1 << r.nextInt(4)));
                    default -> access(p.user().store(addr(r, p), 1 << r.nextInt(4), r.nextLong()));
                };
                if (ret < 0 && ret > -4096) assertNotNull(Errno.of(ret), "unknown errno " + ret + " at step " + step);
                MmChecks.consistent(p.mm());
            }
            p.exit();
            assertTrue(p.mm().dead());
        }
    }

    private static long access(UserResult r) {
        assertFalse(r instanceof UserResult.Trapped || r instanceof UserResult.OutOfBudget, r.toString());
        return 0;
    }

    /** Near existing VMAs, page boundaries, the window, the top of user space, or junk. */
    private static long addr(Random r, Process p) {
        List<Vma> vmas = p.mm().vmas();
        return switch (r.nextInt(7)) {
            case 0 -> 0;
            case 1 -> vmas.get(r.nextInt(vmas.size())).start() + 4096L * (r.nextInt(9) - 4);
            case 2 -> vmas.get(r.nextInt(vmas.size())).end() - 4096L * r.nextInt(3);
            case 3 -> PhysicalMemory.WINDOW_START + 4096L * r.nextInt(4);
            case 4 -> Mm.TASK_SIZE - 4096L * r.nextInt(3);
            case 5 -> 0x5000_0000_0000L + 4096L * r.nextInt(64) + (r.nextInt(4) == 0 ? 1 : 0);
            default -> r.nextLong();
        };
    }

    private static long len(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> 0;
            case 1 -> 1 + r.nextInt(4096);
            case 2 -> 4096L * (1 + r.nextInt(8));
            case 3 -> 32 * 1024;
            case 4 -> -1L - r.nextInt(8192);
            default -> 1L << (12 + r.nextInt(40));
        };
    }

    private static int prot(Random r) {
        return r.nextInt(5) == 0 ? r.nextInt() : r.nextInt(8);
    }

    private static long flags(Random r) {
        long[] common = {0x01, 0x02, 0x03, 0x22, 0x21, 0x32, 0x11, 0x12, 0x10_0022, 0x10_0001, 0x0};
        return r.nextInt(6) == 0 ? r.nextLong() & 0xFFFF_FFFFL : common[r.nextInt(common.length)];
    }
}
