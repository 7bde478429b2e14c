/* page_frag-style arena allocator (selftest 12-4, docs/scenario-catalogue.md#12-4-arena_htab): one
 * page at a time from bpf_arena_alloc_pages, objects carved downward from PAGE_SIZE - 8, the page's
 * live-object count kept in its last 8 bytes; freeing the last object frees the page. Expects a map
 * named "arena". */
#ifndef ARENA_ALLOC_H
#define ARENA_ALLOC_H

static void __arena *page_frag_cur_page;
static int page_frag_cur_offset;

static inline void __arena *bpf_alloc(unsigned int size)
{
	__u64 __arena *obj_cnt;
	void __arena *page = page_frag_cur_page;
	int offset;

	size = (size + 7) & ~7;
	if (size >= PAGE_SIZE - 8)
		return 0;
	offset = page_frag_cur_offset;
	if (!page || offset < (int)size) {
		page = bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0);
		if (!page)
			return 0;
		page_frag_cur_page = page;
		offset = PAGE_SIZE - 8;
		obj_cnt = page + offset;
		*obj_cnt = 0;
	} else {
		obj_cnt = page + PAGE_SIZE - 8;
	}
	offset -= size;
	page_frag_cur_offset = offset;
	(*obj_cnt)++;
	return page + offset;
}

static inline void bpf_free(void __arena *addr)
{
	__u64 __arena *obj_cnt;

	addr = (void __arena *)(((__u64)addr) & ~(__u64)(PAGE_SIZE - 1));
	obj_cnt = addr + PAGE_SIZE - 8;
	if (--(*obj_cnt) == 0) {
		if (addr == page_frag_cur_page)
			page_frag_cur_page = 0;
		bpf_arena_free_pages(&arena, addr, 1);
	}
}

#endif
