package dev.arenaemu.kernel.mm;

/**
 * The vm_area_struct fields every {@link VmArea} keeps the same way: the bounds and vm_pgoff,
 * vm_flags and vm_private_data (which kernel code writes through the interface), and whether the
 * VMA still exists. Mutable, like the kernel object: a split or mremap changes the bounds of the
 * same VMA, and kernel code that recorded it sees that. A subclass adds its address space and
 * what a zap does.
 */
public abstract class AbstractVmArea implements VmArea {
    private long start;
    private long end;
    private long pgoff;
    private long flags;
    private Object privateData;
    private boolean alive = true;

    protected AbstractVmArea(long start, long end, long pgoff, long flags) {
        this.start = start;
        this.end = end;
        this.pgoff = pgoff;
        this.flags = flags;
    }

    @Override public long start() { return start; }
    @Override public long end() { return end; }
    @Override public long pgoff() { return pgoff; }
    @Override public long flags() { return flags; }
    @Override public void setFlags(long flags) { this.flags = flags; }
    @Override public Object privateData() { return privateData; }
    @Override public void setPrivateData(Object data) { this.privateData = data; }
    @Override public boolean alive() { return alive; }

    /** New bounds (split, shrink, mremap move); vm_pgoff is the file page the new start shows. */
    protected void setBounds(long start, long end, long pgoff) {
        this.start = start;
        this.end = end;
        this.pgoff = pgoff;
    }

    /**
     * The VMA is gone (unmapped, or its process exited): kernel code still holding it sees
     * {@link #alive()} false, the model of a dangling pointer. Core mm's to call, not kernel code's.
     */
    public void kill() {
        alive = false;
    }
}
