package dev.arenaemu.kernel.inject;

/**
 * Every place where the modelled kernel can fail an internal allocation, named after what fails
 * there. Each one is hit once per attempt, so a sweep can count the hits of a scenario and then
 * fail each hit in turn.
 */
public enum InjectionSite {
    /** One page from the page allocator (alloc_pages / bpf_map_alloc_pages, per page). */
    PAGE_ALLOC,
    /** Writing one kernel PTE in the arena's vm area (vm_area_map_pages → vmap_pages_range). */
    KERNEL_PTE_INSTALL,
    /** A range_tree node (bpf_mem_alloc in range_tree_clear / range_tree_set). */
    RANGE_TREE_NODE,
    /**
     * E1–E2: maple tree nodes for a store (mas_nomem's allocation in mtree_insert_range,
     * mtree_alloc_range, mtree_insert and mtree_store_range). Counted once per storing call.
     */
    MAPLE_NODE,
    /** The vma_list entry remember_vma() kmallocs in arena_map_mmap. */
    VMA_LIST_ENTRY,
    /** The kernel virtual range get_vm_area() reserves at arena creation. */
    KERNEL_VA_RESERVE,
    /** The page-pointer array bpf_arena_alloc_pages kvcallocs before taking the lock. */
    PAGE_ARRAY_ALLOC,
    /** The struct bpf_arena itself (bpf_map_area_alloc). */
    ARENA_STRUCT,
    /** E5: the arena's scratch page allocated at creation. */
    SCRATCH_PAGE,
    /**
     * E4+: pre-populating the page tables of the arena's kernel range at creation
     * (populate_pgtable_except_pte → apply_to_page_range); one hit per arena.
     */
    PAGE_TABLE_POPULATE,
    /** E4+: the arena_free_span a non-sleepable free kmalloc_nolocks to defer its work. */
    DEFERRED_FREE_SPAN
}
