package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.mm.VmArea;
import dev.arenaemu.kernel.mm.VmFlag;

/**
 * The map-type independent half of mmap on a BPF map fd: bpf_map_mmap() in kernel/bpf/syscall.c,
 * run before the map's own map_mmap (docs/semantics.md#generic-mmap-checks). It also keeps the
 * map's count of writable mappings (bpf_map_write_active), which freezing consults.
 */
final class BpfMapMmap {
    private int writeActive;
    private boolean frozen;

    /**
     * The checks and flag edits before map_mmap: MAP_PRIVATE is -EINVAL, a writable mapping of a
     * frozen map -EPERM, of a BPF_F_RDONLY_PROG map -EACCES; VM_MAYEXEC is always cleared and
     * VM_MAYWRITE too when the mapping is not writable (so mprotect cannot add PROT_WRITE or
     * PROT_EXEC later). Counts a writable mapping on success.
     */
    int prepare(VmArea vma, int mapFlags) {
        long flags = vma.flags();
        if (!VmFlag.has(flags, VmFlag.SHARED)) return Errno.EINVAL.neg();
        if (VmFlag.has(flags, VmFlag.WRITE)) {
            if (frozen) return Errno.EPERM.neg();
            if ((mapFlags & ArenaAttr.BPF_F_RDONLY_PROG) != 0) return Errno.EACCES.neg();
            writeActive++;
        }
        flags &= ~VmFlag.MAYEXEC.bit;
        if (!VmFlag.has(flags, VmFlag.WRITE)) flags &= ~VmFlag.MAYWRITE.bit;
        vma.setFlags(flags);
        return 0;
    }

    /** The map's own mmap failed: undo the writable count taken by {@link #prepare}. */
    void undo(VmArea vma) {
        if (VmFlag.has(vma.flags(), VmFlag.WRITE)) writeActive--;
    }

    /**
     * map_freeze(): -EPERM when already frozen (map_get_sys_perms() takes FMODE_CAN_WRITE away from
     * every fd of a frozen map, and map_freeze checks the fd's write permission first: the real
     * 6.12, 7.0 and 7.3 kernels answer a second freeze so, docs/oracle.md); else -EBUSY while a
     * writable mapping was ever counted (the arena replaces the vm_ops whose close would uncount
     * it, so this stays busy for good — docs/semantics.md#generic-mmap-checks).
     */
    int freeze() {
        if (frozen) return Errno.EPERM.neg();
        if (writeActive > 0) return Errno.EBUSY.neg();
        frozen = true;
        return 0;
    }

    boolean frozen() {
        return frozen;
    }

    int writeActive() {
        return writeActive;
    }
}
