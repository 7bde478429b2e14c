package dev.arenaemu.user;

import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.Errno;
import dev.arenaemu.user.mm.MapFlag;
import dev.arenaemu.user.mm.Mm;
import dev.arenaemu.user.mm.MremapFlag;
import dev.arenaemu.user.mm.Prot;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Bad input to the mmap family returns the errno Linux returns (mm/mmap.c, mm/vma.c, mm/mprotect.c, mm/mremap.c). */
class SyscallErrnoTest {
    static final long ANON = MapFlag.PRIVATE.bit | MapFlag.ANONYMOUS.bit;
    static final long FIXED_ANON = ANON | MapFlag.FIXED.bit;

    @Test
    void mmapRejectsLikeDoMmap() {
        UserWorld.withProcess(KernelEra.V6_13, (w, p) -> {
            assertEquals(Errno.EBADF.neg(), p.mmap(0, 4096, Prot.RW, MapFlag.SHARED.bit, 42, 0), "unknown fd");
            assertEquals(Errno.EINVAL.neg(), p.mmap(0, 4096, Prot.RW, MapFlag.SHARED.bit, 42, 100), "offset alignment is checked before the fd");
            assertEquals(Errno.EINVAL.neg(), p.mmap(0, 0, Prot.RW, ANON, -1, 0), "zero length");
            assertEquals(Errno.EINVAL.neg(), p.mmap(0x7000_0000_0800L, 4096, Prot.RW, FIXED_ANON, -1, 0), "misaligned MAP_FIXED");
            assertEquals(Errno.EINVAL.neg(), p.mmap(0, 4096, Prot.RW, MapFlag.ANONYMOUS.bit, -1, 0), "neither shared nor private");
            assertEquals(Errno.ENOMEM.neg(), p.mmap(0, -1L, Prot.RW, ANON, -1, 0), "PAGE_ALIGN overflow");
            assertEquals(Errno.ENOMEM.neg(), p.mmap(0, -4096L, Prot.RW, ANON, -1, 0), "larger than TASK_SIZE (unsigned)");
            assertEquals(Errno.ENOMEM.neg(), p.mmap(0, Mm.TASK_SIZE, Prot.RW, ANON, -1, 0), "larger than user space");
            assertEquals(Errno.ENOMEM.neg(), p.mmap(Mm.TASK_SIZE, 4096, Prot.RW, FIXED_ANON, -1, 0), "past TASK_SIZE");
            assertEquals(Errno.EPERM.neg(), p.mmap(0x1000, 4096, Prot.RW, FIXED_ANON, -1, 0), "below mmap_min_addr");
        });
    }

    @Test
    void overlappingMappingsFollowTheFixedFlavour() {
        UserWorld.withProcess(KernelEra.V6_13, (w, p) -> {
            long a = p.mmap(0, 4 * 4096, Prot.RW, ANON, -1, 0);
            p.user().store(a + 4096, 8, 5);
            assertEquals(Errno.EEXIST.neg(), p.mmap(a + 4096, 4096, Prot.RW, ANON | MapFlag.FIXED_NOREPLACE.bit, -1, 0));
            assertEquals(5, p.user().load(a + 4096, 8).value());
            assertEquals(a + 4096, p.mmap(a + 4096, 4096, Prot.RW, FIXED_ANON, -1, 0), "MAP_FIXED replaces");
            assertEquals(0, p.user().load(a + 4096, 8).value(), "the old contents are gone");
            assertEquals(4, p.mm().vmas().size(), "split around the replaced page, plus the stack");
        });
    }

    @Test
    void mmapIgnoresUnknownProtBitsButMprotectRejectsThem() {
        UserWorld.withProcess(KernelEra.V6_13, (w, p) -> {
            long a = p.mmap(0, 4096, Prot.RW | 0x40, ANON, -1, 0);
            assertFalse(Errno.isErrValue(a), "calc_vm_prot_bits ignores bits it does not know");
            assertEquals(Errno.EINVAL.neg(), p.mprotect(a, 4096, Prot.READ.bit | 0x40), "arch_validate_prot");
            assertEquals(Errno.EINVAL.neg(), p.mprotect(a, 4096, Prot.READ.bit | Prot.GROWSDOWN.bit | Prot.GROWSUP.bit));
        });
    }

    @Test
    void munmapAndMprotectRejectLikeTheKernel() {
        UserWorld.withProcess(KernelEra.V6_13, (w, p) -> {
            long a = p.mmap(0, 3 * 4096, Prot.RW, ANON, -1, 0);
            assertEquals(Errno.EINVAL.neg(), p.munmap(a + 1, 4096), "misaligned");
            assertEquals(Errno.EINVAL.neg(), p.munmap(a, 0), "zero length");
            assertEquals(Errno.EINVAL.neg(), p.munmap(Mm.TASK_SIZE + 4096, 4096), "outside user space");
            assertEquals(0, p.munmap(a - 0x10_0000, 4096), "nothing mapped there is not an error");
            assertEquals(Errno.EINVAL.neg(), p.mprotect(a + 1, 4096, Prot.READ.bit));
            assertEquals(0, p.mprotect(a, 0, Prot.READ.bit));
            assertEquals(Errno.ENOMEM.neg(), p.mprotect(a - 0x10_0000, 4096, Prot.READ.bit), "no VMA");
            assertEquals(0, p.munmap(a + 4096, 4096));
            assertEquals(Errno.ENOMEM.neg(), p.mprotect(a, 3 * 4096, Prot.READ.bit), "a hole in the range");
            assertEquals(new dev.arenaemu.user.exec.UserResult.Signaled(Signal.segvAccerr(a)), p.user().store(a, 8, 1),
                "VMAs before the hole were already changed, as in the kernel");
        });
    }

    @Test
    void mremapRejectsLikeTheKernel() {
        UserWorld.withProcess(KernelEra.V6_13, (w, p) -> {
            long a = p.mmap(0, 2 * 4096, Prot.RW, ANON, -1, 0);
            assertEquals(Errno.EINVAL.neg(), p.mremap(a, 4096, 4096, 8, 0), "unknown flag");
            assertEquals(Errno.EINVAL.neg(), p.mremap(a, 4096, 4096, MremapFlag.FIXED.bit, a + 0x10_0000), "FIXED without MAYMOVE");
            assertEquals(Errno.EINVAL.neg(), p.mremap(a + 1, 4096, 4096, 0, 0), "misaligned");
            assertEquals(Errno.EINVAL.neg(), p.mremap(a, 4096, 0, 0, 0), "zero new length");
            assertEquals(Errno.EFAULT.neg(), p.mremap(a - 0x10_0000, 4096, 8192, MremapFlag.MAYMOVE.bit, 0), "no VMA");
            assertEquals(Errno.EFAULT.neg(), p.mremap(a, 3 * 4096, 4 * 4096, MremapFlag.MAYMOVE.bit, 0), "old range crosses the VMA end");
            assertEquals(Errno.EINVAL.neg(), p.mremap(a, 8192, 8192, MremapFlag.MAYMOVE.bit | MremapFlag.FIXED.bit, a + 4096), "overlap");
        });
    }

    @Test
    void uaccessToAnAddressWithoutAnyMappingIsEfaultWithoutASignal() {
        UserWorld.withProcess(KernelEra.V6_13, (w, p) -> {
            var read = p.uaccess().fromUser(0x2000_0000_0000L, 8);
            assertEquals(Errno.EFAULT.neg(), read.errno());
            assertEquals(Errno.EFAULT.neg(), p.uaccess().toUser(0x10, new byte[4]));
            long ro = p.mmap(0, 4096, Prot.READ.bit, ANON, -1, 0);
            assertEquals(Errno.EFAULT.neg(), p.uaccess().toUser(ro, new byte[4]), "copy_to_user into a read-only mapping");
            assertEquals(0, p.uaccess().fromUser(ro, 4).errno());
            assertEquals(0, p.signals().size());
        });
    }
}
