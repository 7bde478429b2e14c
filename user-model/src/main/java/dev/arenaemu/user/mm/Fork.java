package dev.arenaemu.user.mm;

import dev.arenaemu.kernel.mm.VmFlag;

/**
 * dup_mmap (kernel/fork.c): the child's address space. VM_DONTCOPY VMAs are skipped (the E5
 * arena sets it, so the child has no arena VMA). Every other VMA is duplicated with the same
 * vm_private_data and vm_ops->open is called on the copy (the E2–E4 arena counts the shared
 * vma_list entry up, but the entry keeps recording the parent's VMA).
 *
 * <p>PTEs: copy_page_range runs only where vma_needs_copy says so (anon_vma, PFNMAP/MIXEDMAP,
 * uffd-wp). A shared file mapping such as the arena's gets no PTEs: the child faults its pages
 * in itself. Anonymous private memory is copied eagerly into the child's own slice (the result
 * copy-on-write gives, without the sharing); its pages fault in on first touch. Shared anonymous
 * memory stays shared: the child's VMA refers to the same shmem object.
 */
public final class Fork {
    private Fork() {}

    public static Mm dupMmap(Mm parent, String childName) {
        Mm child = new Mm(parent.machine(), parent.frames(), parent.anonMemory(), childName);
        for (Vma vma : parent.vmas()) {
            if (vma.has(VmFlag.DONTCOPY)) continue;
            Vma copy = vma.duplicate(child);
            if (vma.privateAnonymous()) {
                if (!child.attachAnon(copy)) {
                    child.exit();
                    throw new IllegalStateException("fork: no anonymous memory left for " + childName + " (dup_mmap -ENOMEM)");
                }
                copy.bytes().copyFrom(copy.bytesOffsetOf(copy.start()), vma.bytes(), vma.bytesOffsetOf(vma.start()), vma.length());
            }
            child.insert(copy);
            if (copy.ops() != null) copy.ops().open(copy);
        }
        return child;
    }
}
