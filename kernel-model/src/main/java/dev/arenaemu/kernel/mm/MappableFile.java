package dev.arenaemu.kernel.mm;

/**
 * A file that user space may mmap (for this project: a BPF map fd, in practice the arena).
 * The user model's mmap calls these in the kernel's order: get_unmapped_area, then mmap.
 */
public interface MappableFile {
    /**
     * file->f_op->get_unmapped_area: the address to use, or a negative errno.
     * {@code generic} is the process's own allocator (mm->get_unmapped_area) for fallback.
     */
    long getUnmappedArea(long addr, long length, long pgoff, long mapFlags, UnmappedAreaAllocator generic);

    /**
     * f_op->mmap after core mm made {@code vma}: may set flags and private data; 0 or -errno.
     * On success the VMA's operations are {@link #vmOperations()}.
     */
    int mmap(VmArea vma);

    VmOperations vmOperations();

    /**
     * get_file: one more file descriptor refers to this file (fork copying an fd table). The fd
     * a file is first installed at takes over the reference its creator returned instead.
     * Files whose lifetime nobody counts ignore it.
     */
    default void getFile() {}

    /**
     * fput of a file descriptor's reference (close, exit): for a BPF map the last reference of
     * all (fds, programs, mappings) frees it. Files whose lifetime nobody counts ignore it.
     */
    default void putFile() {}

    /** The generic mm allocator (arch_get_unmapped_area_topdown), provided by the user model. */
    @FunctionalInterface
    interface UnmappedAreaAllocator {
        /** An address for {@code length} bytes at or near {@code hint}, or a negative errno. */
        long find(long hint, long length, long mapFlags);
    }
}
