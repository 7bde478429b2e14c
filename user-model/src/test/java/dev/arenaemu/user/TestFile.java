package dev.arenaemu.user;

import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.kernel.mm.Frames;
import dev.arenaemu.kernel.mm.MappableFile;
import dev.arenaemu.kernel.mm.VmArea;
import dev.arenaemu.kernel.mm.VmFaultResult;
import dev.arenaemu.kernel.mm.VmOperations;

import java.util.ArrayList;
import java.util.List;

/**
 * A small shared file for testing core mm without an arena: a page cache from file page
 * {@code n} to one frame (so aliases by file offset, vm_pgoff included), filled with byte n and
 * handed out with a page reference like filemap_fault; the callbacks are counted and may_split /
 * mremap answers are settable.
 */
final class TestFile implements MappableFile, VmOperations {
    final long size;
    final Frames frames;
    /** File page -> frame: the page cache, which keeps its own reference. */
    final java.util.Map<Long, Long> pageCache = new java.util.HashMap<>();
    final List<String> calls = new ArrayList<>();
    int maySplitAnswer;
    int mremapAnswer;
    VmFaultResult faultOverride;

    TestFile(Machine machine, Frames frames, long pages) {
        this.size = pages * 4096;
        this.frames = frames;
    }

    @Override
    public long getUnmappedArea(long addr, long length, long pgoff, long mapFlags, UnmappedAreaAllocator generic) {
        return generic.find(addr, length, mapFlags);
    }

    /** Like a driver with a fixed size: a mapping longer than the file is refused. */
    @Override
    public int mmap(VmArea vma) {
        calls.add("mmap");
        return vma.end() - vma.start() > size ? dev.arenaemu.kernel.Errno.EINVAL.neg() : 0;
    }

    @Override
    public VmOperations vmOperations() {
        return this;
    }

    @Override public void open(VmArea vma) { calls.add("open"); }
    @Override public void close(VmArea vma) { calls.add("close"); }
    @Override public int maySplit(VmArea vma, long address) { calls.add("may_split"); return maySplitAnswer; }
    @Override public int mremap(VmArea vma) { calls.add("mremap"); return mremapAnswer; }

    @Override
    public VmFaultResult fault(VmArea vma, long address, boolean write) {
        if (faultOverride != null) return faultOverride;
        long pgoff = ((dev.arenaemu.user.mm.Vma) vma).pgoff() + ((address - vma.start()) >>> 12);
        Long cached = pageCache.get(pgoff);
        long phys;
        if (cached == null) {
            phys = frames.allocPage("test file");    // the page cache's own reference
            frames.bytes(phys).fill(0, 4096, (byte) pgoff);   // page n is filled with byte n
            pageCache.put(pgoff, phys);
        } else {
            phys = cached;
        }
        frames.getPage(phys);
        return new VmFaultResult.Page(phys);
    }

    long count(String call) {
        return calls.stream().filter(call::equals).count();
    }
}
