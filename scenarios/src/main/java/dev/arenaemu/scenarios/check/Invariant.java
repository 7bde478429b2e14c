package dev.arenaemu.scenarios.check;

/**
 * The arena invariants checked after every step and at the end, each with the kernel reason it
 * must hold (docs/semantics.md#data-model, #user-page-fault, #kfuncs, #teardown). Documented for users in
 * docs/invariants.md.
 */
public enum Invariant {
    /**
     * arena_vm_fault() takes the page it hands to core mm from the kernel mapping
     * (vmalloc_to_page(kern_vm_start + lo32(addr))), and bpf_arena_free_pages() zaps user PTEs
     * whenever it removes a kernel PTE, so a user PTE in an arena VMA always shows the very frame
     * the kernel range holds at the same low 32 bits.
     */
    USER_PTE_MATCHES_KERNEL("user-pte-matches-kernel"),
    /**
     * Pages are only installed at kern_vm_start + lo32(uaddr) for uaddr in [user_vm_start,
     * user_vm_end); the guard halves below and above the 4 GiB window are never populated, so a
     * JITed access with an s16 offset can only fault there.
     */
    KERNEL_PTE_IN_RANGE("kernel-pte-in-range"),
    /**
     * Every path that installs a kernel PTE first clears its pgoff in the free set
     * (range_tree_clear), and free sets the pgoff only after or while removing the PTE, so a
     * populated pgoff is never free: alloc(NULL) cannot hand out a page that is in use.
     */
    POPULATED_NOT_FREE("populated-not-free"),
    /**
     * The arena holds one reference per kernel PTE (vm_area_map_pages), and each user PTE holds
     * one (the get_page() in arena_vm_fault, dropped by zap), so a page's refcount is exactly
     * kernel mapping + user mappings; anything else is a leak or a use-after-free.
     */
    FRAME_REFCOUNT("frame-refcount"),
    /** A PTE (kernel or user) naming a frame the page allocator considers free is a use-after-free. */
    NO_FREED_FRAME_MAPPED("no-freed-frame-mapped"),
    /**
     * remember_vma() adds an entry at mmap, vm_ops->open counts copies, close removes it at zero:
     * the vma_list names exactly the arena VMAs that exist (E2+ refcounted entries).
     */
    VMA_LIST_MATCHES("vma-list-matches"),
    /** arena_map_free() frees every page still in the kernel range; every mm teardown zaps its PTEs: nothing leaks. */
    TEARDOWN_RETURNS_FRAMES("teardown-returns-frames");

    public final String label;

    Invariant(String label) {
        this.label = label;
    }
}
