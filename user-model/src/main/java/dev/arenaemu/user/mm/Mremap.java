package dev.arenaemu.user.mm;

import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.mm.VmFlag;

/**
 * mremap(2) as mm/mremap.c (v6.13) does it. The paths that matter for the arena:
 * <ul>
 *   <li>growing a VM_DONTEXPAND VMA: vma_to_resize gives -EFAULT;</li>
 *   <li>a same-size "move" without MREMAP_FIXED returns the old address untouched;</li>
 *   <li>a real move asks the file's get_unmapped_area for the new address (the arena says
 *       -EINVAL for any address but user_vm_start), then move_vma: vm_ops->may_split at the
 *       edges, copy_vma (vm_ops->open on the copy), the PTEs move, vm_ops->mremap may refuse
 *       (PTEs move back and the copy is unmapped), and the old range is unmapped (close).</li>
 * </ul>
 * Private anonymous VMAs are moved by copying their bytes into a fresh slice; their pages fault
 * in again. Shared ones (shmem) move like file mappings: same object, PTEs carried over.
 */
public final class Mremap {
    private Mremap() {}

    public static long mremap(Mm mm, long addr, long oldLen, long newLen, int flags, long newAddr) {
        if ((flags & ~MremapFlag.ALL) != 0) return Errno.EINVAL.neg();
        boolean fixed = MremapFlag.has(flags, MremapFlag.FIXED);
        boolean mayMove = MremapFlag.has(flags, MremapFlag.MAYMOVE);
        boolean dontUnmap = MremapFlag.has(flags, MremapFlag.DONTUNMAP);
        if (fixed && !mayMove) return Errno.EINVAL.neg();
        if (dontUnmap && (!mayMove || oldLen != newLen)) return Errno.EINVAL.neg();
        if ((addr & (Mm.PAGE_SIZE - 1)) != 0) return Errno.EINVAL.neg();
        oldLen = Mm.pageAlign(oldLen);
        newLen = Mm.pageAlign(newLen);
        if (newLen == 0) return Errno.EINVAL.neg();
        if (mm.find(addr) == null) return Errno.EFAULT.neg();

        if (fixed || dontUnmap) return mremapTo(mm, addr, oldLen, newAddr, newLen, flags);

        if (Long.compareUnsigned(oldLen, newLen) >= 0) {
            if (oldLen != newLen) {
                int ret = Mmap.unmapRange(mm, addr + newLen, addr + oldLen);
                if (ret != 0) return ret;
            }
            return addr;
        }
        long check = vmaToResize(mm, addr, oldLen, newLen, flags);
        if (check != 0) return check;
        Vma vma = mm.find(addr);
        long delta = newLen - oldLen;
        if (oldLen == vma.end() - addr && expandable(mm, vma, delta)) {
            return growInPlace(mm, vma, vma.end() + delta) ? addr : Errno.ENOMEM.neg();
        }
        if (!mayMove) return Errno.ENOMEM.neg();
        long mapFlags = vma.has(VmFlag.MAYSHARE) ? MapFlag.SHARED.bit : 0;
        long to = Mmap.getUnmappedArea(mm, vma.file(), 0, newLen, pgoffAt(vma, addr), mapFlags);
        if (Errno.isErrValue(to)) return to;
        return moveVma(mm, vma, addr, oldLen, newLen, to, flags);
    }

    /** mremap_to: MREMAP_FIXED or MREMAP_DONTUNMAP. */
    private static long mremapTo(Mm mm, long addr, long oldLen, long newAddr, long newLen, int flags) {
        boolean fixed = MremapFlag.has(flags, MremapFlag.FIXED);
        if ((newAddr & (Mm.PAGE_SIZE - 1)) != 0) return Errno.EINVAL.neg();
        if (Long.compareUnsigned(newLen, Mm.TASK_SIZE) > 0 || Long.compareUnsigned(newAddr, Mm.TASK_SIZE - newLen) > 0) return Errno.EINVAL.neg();
        if (addr + oldLen > newAddr && newAddr + newLen > addr) return Errno.EINVAL.neg();   // overlap
        if (fixed) {
            int ret = Mmap.unmapRange(mm, newAddr, newAddr + newLen);
            if (ret != 0) return ret;
        }
        if (Long.compareUnsigned(oldLen, newLen) > 0) {
            int ret = Mmap.unmapRange(mm, addr + newLen, addr + oldLen);
            if (ret != 0) return ret;
            oldLen = newLen;
        }
        long check = vmaToResize(mm, addr, oldLen, newLen, flags);
        if (check != 0) return check;
        Vma vma = mm.find(addr);
        long mapFlags = (fixed ? MapFlag.FIXED.bit : 0) | (vma.has(VmFlag.MAYSHARE) ? MapFlag.SHARED.bit : 0);
        long got = Mmap.getUnmappedArea(mm, vma.file(), newAddr, newLen, pgoffAt(vma, addr), mapFlags);
        if (Errno.isErrValue(got)) return got;
        if (!fixed) newAddr = got;
        return moveVma(mm, vma, addr, oldLen, newLen, newAddr, flags);
    }

    /** vma_to_resize's checks: 0 when the resize may go on, else a negative errno. */
    private static long vmaToResize(Mm mm, long addr, long oldLen, long newLen, int flags) {
        Vma vma = mm.find(addr);
        if (vma == null) return Errno.EFAULT.neg();
        if (Long.compareUnsigned(oldLen, vma.end() - addr) > 0) return Errno.EFAULT.neg();   // across VMAs
        // old_len 0 duplicates a shared mapping (a legacy feature); private ones refuse it.
        if (oldLen == 0 && !vma.has(VmFlag.SHARED) && !vma.has(VmFlag.MAYSHARE)) return Errno.EINVAL.neg();
        if (MremapFlag.has(flags, MremapFlag.DONTUNMAP) && vma.has(VmFlag.DONTEXPAND)) return Errno.EINVAL.neg();
        if (newLen == oldLen) return 0;
        if (vma.has(VmFlag.DONTEXPAND)) return Errno.EFAULT.neg();
        return 0;
    }

    /** vma_expandable: nothing mapped in the way and the grown range is a valid fixed range. */
    private static boolean expandable(Mm mm, Vma vma, long delta) {
        long end = vma.end() + delta;
        return end > vma.end() && mm.isFree(vma.end(), end) && end <= Mm.TASK_SIZE;
    }

    /**
     * Grows {@code vma} to {@code newEnd} where it is; false (-ENOMEM) when there is no memory,
     * or when a shmem object ends before the new end (see {@link Mm#bytesCover}).
     */
    private static boolean growInPlace(Mm mm, Vma vma, long newEnd) {
        if (vma.privateAnonymous()) {
            Vma grown = mm.newVma(vma.start(), newEnd, vma.flags(), vma.pgoff(), null);
            if (!mm.attachAnon(grown)) return false;
            copyAnon(vma, grown, vma.length());
            mm.zapPtes(vma, vma.start(), vma.end());
            mm.detach(vma);
            mm.insert(grown);
        } else {
            if (!mm.bytesCover(vma, vma.start(), newEnd)) return false;
            mm.resize(vma, newEnd);
        }
        return true;
    }

    /** move_vma. */
    private static long moveVma(Mm mm, Vma vma, long oldAddr, long oldLen, long newLen, long newAddr, int flags) {
        if (vma.ops() != null) {
            int err = 0;
            if (vma.start() != oldAddr) err = vma.ops().maySplit(vma, oldAddr);
            if (err == 0 && vma.end() != oldAddr + oldLen) err = vma.ops().maySplit(vma, oldAddr + oldLen);
            if (err != 0) return err;
        }
        if (!vma.privateAnonymous() && !mm.bytesCover(vma, oldAddr, oldAddr + newLen)) return Errno.ENOMEM.neg();   // see growInPlace
        // copy_vma
        Vma copy = vma.duplicate(mm);
        copy.setRange(oldAddr, oldAddr + oldLen, pgoffAt(vma, oldAddr));
        if (vma.privateAnonymous()) {
            Vma fresh = mm.newVma(newAddr, newAddr + newLen, vma.flags(), newAddr >>> 12, null);
            if (!mm.attachAnon(fresh)) return Errno.ENOMEM.neg();
            copyAnon(copy, fresh, oldLen);
            copy = fresh;
        } else {
            copy.moveTo(newAddr, newAddr + newLen);
        }
        mm.insert(copy);
        if (copy.ops() != null) copy.ops().open(copy);

        long ret = newAddr;
        if (vma.privateAnonymous()) {
            mm.zapPtes(vma, oldAddr, oldAddr + oldLen);          // contents now live in the copy's slice
        } else {
            mm.movePtes(oldAddr, newAddr, oldLen);
            int err = vma.ops() != null ? vma.ops().mremap(copy) : 0;
            if (err != 0) {
                mm.movePtes(newAddr, oldAddr, oldLen);
                oldAddr = newAddr;
                oldLen = newLen;
                ret = err;
            }
        }
        if (MremapFlag.has(flags, MremapFlag.DONTUNMAP) && ret == newAddr) {
            // The old VMA stays, empty: its pages moved, so it faults in zero pages from now on.
            if (vma.privateAnonymous()) vma.bytes().discard(vma.bytesOffsetOf(oldAddr), oldLen);
            return ret;
        }
        int unmapped = Mmap.unmapRange(mm, oldAddr, oldAddr + oldLen);
        return unmapped != 0 && ret == newAddr ? unmapped : ret;
    }

    private static void copyAnon(Vma from, Vma to, long length) {
        to.bytes().copyFrom(to.bytesOffsetOf(to.start()), from.bytes(), from.bytesOffsetOf(from.start()), length);
    }

    private static long pgoffAt(Vma vma, long addr) {
        return vma.pgoff() + ((addr - vma.start()) >>> 12);
    }
}
