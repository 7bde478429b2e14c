package dev.arenaemu.user.mm;

import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.mm.MappableFile;
import dev.arenaemu.kernel.mm.VmFlag;

import java.util.List;

/**
 * mmap(2) and munmap(2) as mm/mmap.c and mm/vma.c do them, with Linux's checks in Linux's order:
 * do_mmap → __get_unmapped_area (the file's get_unmapped_area first, so the arena sees every
 * mmap, MAP_FIXED included) → mmap_region (unmap what was there, close it, then f_op->mmap);
 * do_vmi_munmap with __split_vma at the edges (vm_ops->may_split may refuse).
 */
public final class Mmap {
    private Mmap() {}

    /**
     * do_mmap for an already resolved file ({@code file} null for MAP_ANONYMOUS); returns the
     * address or a negative errno. {@code offset} is in bytes (sys_mmap checks its alignment).
     */
    public static long mmap(Mm mm, long addr, long len, int prot, long flags, MappableFile file, long offset) {
        if ((offset & (Mm.PAGE_SIZE - 1)) != 0) return Errno.EINVAL.neg();           // sys_mmap
        flags &= ~(MapFlag.EXECUTABLE.bit | MapFlag.DENYWRITE.bit);                  // ksys_mmap_pgoff
        if (MapFlag.has(flags, MapFlag.FIXED_NOREPLACE)) flags |= MapFlag.FIXED.bit;  // do_mmap: NOREPLACE is a MAP_FIXED
        if (MapFlag.has(flags, MapFlag.ANONYMOUS)) file = null;
        long pgoff = offset >>> 12;

        if (len == 0) return Errno.EINVAL.neg();
        if (!MapFlag.has(flags, MapFlag.FIXED)) addr = roundHintToMin(addr);
        len = Mm.pageAlign(len);
        if (len == 0) return Errno.ENOMEM.neg();                                      // overflowed
        // The -EOVERFLOW check on pgoff + pages cannot trigger: pgoff comes from a byte offset here.

        long vmFlags = calcVmProtBits(prot) | VmFlag.MAYREAD.bit | VmFlag.MAYWRITE.bit | VmFlag.MAYEXEC.bit;

        addr = getUnmappedArea(mm, file, addr, len, pgoff, flags);
        if (Errno.isErrValue(addr)) return addr;

        if (MapFlag.has(flags, MapFlag.FIXED_NOREPLACE) && !mm.intersecting(addr, addr + len).isEmpty()) {
            return Errno.EEXIST.neg();
        }

        int type = (int) (flags & MapFlag.TYPE_MASK);   // 0x01 MAP_SHARED, 0x02 MAP_PRIVATE, 0x03 MAP_SHARED_VALIDATE
        if (file != null) {
            switch (type) {
                case 0x01, 0x03 -> {
                    if (type == 0x01) flags &= MapFlag.LEGACY_MASK;
                    if ((flags & ~MapFlag.LEGACY_MASK) != 0) return Errno.EOPNOTSUPP.neg();
                    vmFlags |= VmFlag.SHARED.bit | VmFlag.MAYSHARE.bit;
                }
                case 0x02 -> { }
                default -> { return Errno.EINVAL.neg(); }
            }
        } else {
            switch (type) {
                case 0x01, 0x03 -> { vmFlags |= VmFlag.SHARED.bit | VmFlag.MAYSHARE.bit; pgoff = 0; }
                case 0x02 -> pgoff = addr >>> 12;
                default -> { return Errno.EINVAL.neg(); }
            }
        }
        return mmapRegion(mm, file, addr, len, vmFlags, pgoff);
    }

    /**
     * __get_unmapped_area: the file's allocator when it has one (the arena's), else the
     * process's; then the range and alignment checks, the mmap_min_addr check (-EPERM, no
     * CAP_SYS_RAWIO), and this emulator's one deviation: the physical window [1 GiB, 1 TiB) is
     * not user address space here (-ENOMEM).
     */
    static long getUnmappedArea(Mm mm, MappableFile file, long addr, long len, long pgoff, long flags) {
        if (Long.compareUnsigned(len, Mm.TASK_SIZE) > 0) return Errno.ENOMEM.neg();
        long got = file != null
            ? file.getUnmappedArea(addr, len, pgoff, flags, mm::getUnmappedArea)
            : mm.getUnmappedArea(addr, len, flags);
        if (Errno.isErrValue(got)) return got;
        if (Long.compareUnsigned(got, Mm.TASK_SIZE - len) > 0) return Errno.ENOMEM.neg();
        if ((got & (Mm.PAGE_SIZE - 1)) != 0) return Errno.EINVAL.neg();
        if (got < Mm.MMAP_MIN_ADDR) return Errno.EPERM.neg();                          // cap_mmap_addr
        return got;
    }

    /**
     * mmap_region: whatever lies in [addr, addr+len) is unmapped first (its vm_ops->close runs
     * before the new file's f_op->mmap, as vms_clean_up_area does since v6.12), then the new VMA
     * is made, handed to f_op->mmap, and linked.
     */
    static long mmapRegion(Mm mm, MappableFile file, long addr, long len, long vmFlags, long pgoff) {
        Vma vma = mm.newVma(addr, addr + len, vmFlags, pgoff, file);
        // Memory is accounted before anything is unmapped (security_vm_enough_memory; on failure
        // the kernel puts the old VMAs back), so -ENOMEM leaves the old mappings in place.
        if (file == null) {
            boolean got = VmFlag.has(vmFlags, VmFlag.SHARED) ? mm.attachShmem(vma) : mm.attachAnon(vma);
            if (!got) return Errno.ENOMEM.neg();
        }
        int err = unmapRange(mm, addr, addr + len);
        if (err != 0) {
            if (file == null) mm.releaseAnon(vma);
            return err;
        }
        if (file != null) {
            err = file.mmap(vma);
            if (err != 0) return err;
            vma.setOps(file.vmOperations());
        }
        mm.insert(vma);
        return addr;
    }

    /** munmap(2) (__vm_munmap → do_vmi_munmap): 0 or a negative errno. */
    public static int munmap(Mm mm, long start, long len) {
        if ((start & (Mm.PAGE_SIZE - 1)) != 0 || Long.compareUnsigned(start, Mm.TASK_SIZE) > 0
            || Long.compareUnsigned(len, Mm.TASK_SIZE - start) > 0) {
            return Errno.EINVAL.neg();
        }
        long end = start + Mm.pageAlign(len);
        if (end == start) return Errno.EINVAL.neg();
        return unmapRange(mm, start, end);
    }

    /**
     * vms_gather_munmap_vmas + vms_complete_munmap_vmas: split the first VMA at {@code start}
     * (new piece below) and the last at {@code end} (new piece above), then zap and close every
     * VMA inside. A refused split leaves everything as it was at that point.
     */
    static int unmapRange(Mm mm, long start, long end) {
        List<Vma> hit = mm.intersecting(start, end);
        if (hit.isEmpty()) return 0;
        Vma first = hit.getFirst();
        if (first.start() < start) {
            int err = mm.split(first, start, true);
            if (err != 0) return err;
        }
        Vma last = hit.getLast();
        if (last.end() > end) {
            int err = mm.split(last, end, false);
            if (err != 0) return err;
        }
        for (Vma v : mm.intersecting(start, end)) mm.remove(v);
        return 0;
    }

    /** calc_vm_prot_bits: PROT_* to VM_READ/VM_WRITE/VM_EXEC (unknown bits ignored, as mmap does). */
    static long calcVmProtBits(int prot) {
        return (Prot.has(prot, Prot.READ) ? VmFlag.READ.bit : 0)
            | (Prot.has(prot, Prot.WRITE) ? VmFlag.WRITE.bit : 0)
            | (Prot.has(prot, Prot.EXEC) ? VmFlag.EXEC.bit : 0);
    }

    /** round_hint_to_min: a hint below mmap_min_addr is raised to it (page aligned). */
    private static long roundHintToMin(long hint) {
        hint &= ~(Mm.PAGE_SIZE - 1);
        if (hint != 0 && hint < Mm.MMAP_MIN_ADDR) return Mm.MMAP_MIN_ADDR;
        return hint;
    }
}
