package dev.arenaemu.kernel.arena;

import dev.arenaemu.kernel.mm.AbstractVmArea;
import dev.arenaemu.kernel.mm.Frames;
import dev.arenaemu.kernel.mm.MappableFile;
import dev.arenaemu.kernel.mm.VmFaultResult;
import dev.arenaemu.kernel.mm.VmFlag;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * A user mapping as core mm would keep it, reduced to what the arena sees: flags, private data,
 * and a PTE per faulted page (the frame, with the mapcount and page reference core mm holds for
 * it). Records every zap the arena asks for.
 */
final class RecordingVma extends AbstractVmArea {
    record Zap(long start, long length) {}

    private final Frames frames;
    private final Object mm;
    private final TreeMap<Long, Long> ptes = new TreeMap<>();
    final List<Zap> zaps = new ArrayList<>();

    RecordingVma(Frames frames, Object mm, long start, long end, long flags) {
        this(frames, mm, start, end, flags, 0);
    }

    RecordingVma(Frames frames, Object mm, long start, long end, long flags, long pgoff) {
        super(start, end, pgoff, flags);
        this.frames = frames;
        this.mm = mm;
    }

    /**
     * The upper piece __split_vma makes at {@code address}: same flags and private data, vm_pgoff
     * advanced to the new start, and vm_ops->open called for it (the original stays as it is).
     */
    RecordingVma splitAbove(MappableFile file, long address) {
        RecordingVma upper = new RecordingVma(frames, mm, address, end(), flags(), pgoff() + ((address - start()) >>> 12));
        upper.setPrivateData(privateData());
        file.vmOperations().open(upper);
        return upper;
    }

    /** VM_READ|VM_WRITE|VM_SHARED with the MAY bits, as mmap(PROT_READ|PROT_WRITE, MAP_SHARED) makes them. */
    static long sharedReadWrite() {
        return VmFlag.READ.bit | VmFlag.WRITE.bit | VmFlag.SHARED.bit | VmFlag.MAYREAD.bit | VmFlag.MAYWRITE.bit | VmFlag.MAYEXEC.bit | VmFlag.MAYSHARE.bit;
    }

    /**
     * What core mm does on a not-present user access: call the VMA's fault handler and install
     * the PTE it returns (mapcount +1; the handler already took the page reference).
     */
    VmFaultResult touch(MappableFile file, long address, boolean write) {
        long page = address & -Frames.PAGE_SIZE;
        Long existing = ptes.get(page);
        if (existing != null) return new VmFaultResult.Page(existing);
        VmFaultResult r = file.vmOperations().fault(this, page, write);
        if (r instanceof VmFaultResult.Page p) {
            frames.addMapcount(p.phys(), 1);
            ptes.put(page, p.phys());
        }
        return r;
    }

    /** munmap of the whole VMA: PTEs go, then vm_ops->close. */
    void unmap(MappableFile file) {
        dropPtes(start(), end() - start());
        file.vmOperations().close(this);
        kill();
    }

    Long pte(long address) {
        return ptes.get(address & -Frames.PAGE_SIZE);
    }

    int pteCount() {
        return ptes.size();
    }

    @Override public Object mm() { return mm; }

    @Override
    public void zapRange(long from, long length) {
        zaps.add(new Zap(from, length));
        dropPtes(from, length);
    }

    private void dropPtes(long from, long length) {
        var range = ptes.subMap(from, true, from + length, false);
        for (long phys : range.values()) {
            frames.addMapcount(phys, -1);
            frames.putPage(phys);
        }
        range.clear();
    }
}
