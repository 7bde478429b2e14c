package dev.arenaemu.user.mm;

import dev.arenaemu.emulator.memory.HostBuffer;
import dev.arenaemu.kernel.mm.AbstractVmArea;
import dev.arenaemu.kernel.mm.MappableFile;
import dev.arenaemu.kernel.mm.VmFlag;
import dev.arenaemu.kernel.mm.VmOperations;

/**
 * vm_area_struct: one mapping of a process. Mutable on purpose, like the kernel object: a split
 * keeps this object for one piece and makes a new one for the other (__split_vma), so kernel
 * code that recorded this object (the arena's vma_list) sees the kernel's identity semantics,
 * including a recorded VMA that dies while its sibling lives ({@link #alive()} false).
 *
 * <p>An anonymous VMA owns a slice of its process's anonymous memory ({@link AnonMemory}), which holds the page
 * contents whether or not a PTE maps them; a file
 * VMA shows the file's bytes ({@link MappableFile#backing}) and faults through its
 * {@link VmOperations}.
 */
public final class Vma extends AbstractVmArea {
    private final Mm mm;
    private final MappableFile file;      // null: anonymous
    private VmOperations ops;             // null until f_op->mmap succeeded, or anonymous
    private ShmemFile shmem;              // MAP_SHARED|MAP_ANONYMOUS: the shared object, else null
    private HostBuffer bytes;             // what the region shows: bytes at bytesOffset for start
    private long bytesOffset;

    Vma(Mm mm, long start, long end, long flags, long pgoff, MappableFile file) {
        super(start, end, pgoff, flags);
        this.mm = mm;
        this.file = file;
    }

    /** A copy for split, fork or move (vm_area_dup): same flags, file, ops and private data. */
    Vma duplicate(Mm into) {
        Vma copy = new Vma(into, start(), end(), flags(), pgoff(), file);
        copy.ops = ops;
        copy.setPrivateData(privateData());
        copy.bytes = bytes;
        copy.bytesOffset = bytesOffset;
        copy.shmem = shmem;
        if (shmem != null) shmem.get();
        return copy;
    }

    @Override public Mm mm() { return mm; }

    @Override
    public void zapRange(long start, long length) {
        long from = Math.max(start, start());
        long to = Math.min(start + length, end());
        if (!alive() || from >= to) return;
        mm.zapPtes(this, from, to);
    }

    public long length() { return end() - start(); }
    public boolean anonymous() { return file == null; }
    /** Anonymous and private: the bytes belong to this VMA alone (copied at fork, moved by copy). */
    public boolean privateAnonymous() { return file == null && shmem == null; }
    public MappableFile file() { return file; }
    public VmOperations ops() { return ops; }
    public boolean has(VmFlag f) { return VmFlag.has(flags(), f); }
    public boolean contains(long address) { return address >= start() && address < end(); }

    void setOps(VmOperations ops) { this.ops = ops; }
    /** New bounds over the same addresses (split, shrink): each address keeps showing the same bytes. */
    void setRange(long start, long end, long pgoff) {
        bytesOffset += start - start();
        setBounds(start, end, pgoff);
    }

    /** New addresses for the same contents (mremap move): the bytes follow the VMA. */
    void moveTo(long start, long end) {
        setBounds(start, end, pgoff());
    }

    /**
     * The host bytes this VMA shows (its Unicorn region), from {@code offset} for {@link #start()}:
     * an anonymous slice, or the file's {@link MappableFile#backing} taken at mmap time, which
     * then follows the VMA through splits and moves as file offsets (vm_pgoff) do.
     */
    void setBytes(HostBuffer buffer, long offset) {
        this.bytes = buffer;
        this.bytesOffset = offset;
    }
    HostBuffer bytes() { return bytes; }
    ShmemFile shmem() { return shmem; }
    void setShmem(ShmemFile shmem) {
        this.shmem = shmem;
        setBytes(shmem.buffer, shmem.offset);
    }
    /** Where the byte at {@code address} lives in {@link #bytes()}. */
    long bytesOffsetOf(long address) { return bytesOffset + (address - start()); }

    @Override
    public String toString() {
        return String.format("Vma[0x%x-0x%x %s%s%s%s %s]", start(), end(),
            has(VmFlag.READ) ? "r" : "-", has(VmFlag.WRITE) ? "w" : "-", has(VmFlag.EXEC) ? "x" : "-",
            has(VmFlag.SHARED) ? "s" : "p", file == null ? "anon" : "file", alive() ? "" : " dead");
    }
}
