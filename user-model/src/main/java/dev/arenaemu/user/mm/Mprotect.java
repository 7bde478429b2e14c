package dev.arenaemu.user.mm;

import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.mm.VmFlag;

/**
 * mprotect(2) as mm/mprotect.c does it (do_mprotect_pkey, mprotect_fixup): VMAs are walked in
 * order; a hole gives -ENOMEM, asking for a permission whose VM_MAY* bit is clear gives -EACCES
 * (how the arena's cleared VM_MAYEXEC, and VM_MAYWRITE of a read-only arena mapping, show); a
 * VMA only partly covered is split first (vm_ops->may_split may refuse). As in the kernel, VMAs
 * already changed before a later failure stay changed.
 */
public final class Mprotect {
    private static final long ACCESS = VmFlag.READ.bit | VmFlag.WRITE.bit | VmFlag.EXEC.bit;
    private static final int VALID = Prot.READ.bit | Prot.WRITE.bit | Prot.EXEC.bit | Prot.SEM.bit;

    private Mprotect() {}

    public static int mprotect(Mm mm, long start, long len, int prot) {
        if ((start & (Mm.PAGE_SIZE - 1)) != 0) return Errno.EINVAL.neg();
        if (len == 0) return 0;
        len = Mm.pageAlign(len);
        long end = start + len;
        if (Long.compareUnsigned(end, start) <= 0) return Errno.ENOMEM.neg();
        int grows = prot & (Prot.GROWSDOWN.bit | Prot.GROWSUP.bit);
        if (grows == (Prot.GROWSDOWN.bit | Prot.GROWSUP.bit)) return Errno.EINVAL.neg();
        prot &= ~grows;
        if ((prot & ~VALID) != 0) return Errno.EINVAL.neg();                          // arch_validate_prot

        var vmas = mm.intersecting(start, end);
        if (vmas.isEmpty() || vmas.getFirst().start() > start) return Errno.ENOMEM.neg();
        long tmp = start;
        for (Vma vma : vmas) {
            if (vma.start() > tmp) return Errno.ENOMEM.neg();                           // a hole
            long newFlags = Mmap.calcVmProtBits(prot) | (vma.flags() & ~ACCESS);
            if (((newFlags & ~(newFlags >>> 4)) & ACCESS) != 0) return Errno.EACCES.neg();
            long to = Math.min(vma.end(), end);
            int err = fixup(mm, vma, Math.max(start, vma.start()), to, newFlags);
            if (err != 0) return err;
            tmp = to;
        }
        return tmp < end ? Errno.ENOMEM.neg() : 0;
    }

    /** mprotect_fixup: split off what lies outside [start, end), then change flags and PTEs. */
    static int fixup(Mm mm, Vma vma, long start, long end, long newFlags) {
        if (newFlags == vma.flags()) return 0;
        if (start != vma.start()) {
            int err = mm.split(vma, start, true);
            if (err != 0) return err;
        }
        if (end != vma.end()) {
            int err = mm.split(vma, end, false);
            if (err != 0) return err;
        }
        vma.setFlags(newFlags);
        mm.reprotect(vma, start, end);
        return 0;
    }
}
