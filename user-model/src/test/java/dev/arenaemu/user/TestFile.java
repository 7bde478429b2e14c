package dev.arenaemu.user;

import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.emulator.memory.HostBuffer;
import dev.arenaemu.kernel.mm.Frames;
import dev.arenaemu.kernel.mm.MappableFile;
import dev.arenaemu.kernel.mm.VmArea;
import dev.arenaemu.kernel.mm.VmFaultResult;
import dev.arenaemu.kernel.mm.VmOperations;

import java.util.ArrayList;
import java.util.List;

/**
 * A small shared file for testing core mm without an arena: its page {@code n} is frame
 * {@code n} of its own buffer (so aliases by file offset, vm_pgoff included), handed out with a
 * page reference like filemap_fault; the callbacks are counted and may_split / mremap answers
 * are settable.
 */
final class TestFile implements MappableFile, VmOperations {
    final HostBuffer buffer;
    final Frames frames;
    final List<String> calls = new ArrayList<>();
    int maySplitAnswer;
    int mremapAnswer;
    VmFaultResult faultOverride;

    TestFile(Machine machine, Frames frames, long pages) {
        this.buffer = machine.allocate("test file", pages * 4096);
        this.frames = frames;
        frames.addSection(buffer);
    }

    @Override
    public long getUnmappedArea(long addr, long length, long pgoff, long mapFlags, UnmappedAreaAllocator generic) {
        return generic.find(addr, length, mapFlags);
    }

    /** Like a driver with a fixed size: a mapping longer than the file is refused. */
    @Override
    public int mmap(VmArea vma) {
        calls.add("mmap");
        return vma.end() - vma.start() > buffer.size() ? dev.arenaemu.kernel.Errno.EINVAL.neg() : 0;
    }

    @Override
    public VmOperations vmOperations() {
        return this;
    }

    /** Mappings are made at offset 0 in these tests: the first page shown is file page 0. */
    @Override
    public Backing backing(long start, long end) {
        return new Backing(buffer, 0);
    }

    @Override public void open(VmArea vma) { calls.add("open"); }
    @Override public void close(VmArea vma) { calls.add("close"); }
    @Override public int maySplit(VmArea vma, long address) { calls.add("may_split"); return maySplitAnswer; }
    @Override public int mremap(VmArea vma) { calls.add("mremap"); return mremapAnswer; }

    @Override
    public VmFaultResult fault(VmArea vma, long address, boolean write) {
        if (faultOverride != null) return faultOverride;
        long pgoff = ((dev.arenaemu.user.mm.Vma) vma).pgoff() + ((address - vma.start()) >>> 12);
        long phys = buffer.phys(pgoff * 4096);
        if (!frames.inUse(phys)) {
            frames.allocPage(phys, "test file");    // the page cache's own reference
            buffer.memory().asSlice(pgoff * 4096, 4096).fill((byte) pgoff);   // page n is filled with byte n
        }
        frames.getPage(phys);
        return new VmFaultResult.Page(phys);
    }

    long count(String call) {
        return calls.stream().filter(call::equals).count();
    }
}
