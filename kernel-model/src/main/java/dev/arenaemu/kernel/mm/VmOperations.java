package dev.arenaemu.kernel.mm;

/**
 * vm_operations_struct: the callbacks core mm (the user model) makes into a mapping's owner.
 * Errors are negative errno values, as in the kernel.
 */
public interface VmOperations {
    /** A copy of {@code vma} was made (split, fork, mremap); the copy is {@code vma}. */
    default void open(VmArea vma) {}

    /** {@code vma} is going away. */
    default void close(VmArea vma) {}

    /** A not-present fault at page-aligned {@code address} inside {@code vma}. */
    VmFaultResult fault(VmArea vma, long address, boolean write);

    /** May {@code vma} be split at {@code address}? 0 or a negative errno (E5 arena: -EINVAL). */
    default int maySplit(VmArea vma, long address) { return 0; }

    /** mremap move of {@code vma}: 0 or a negative errno (E5 arena: -EINVAL). */
    default int mremap(VmArea vma) { return 0; }
}
