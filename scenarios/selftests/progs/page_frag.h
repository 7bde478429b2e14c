/* The page-fragment allocator of the arena_htab and arena_list equivalents: fixed-size objects
 * carved upwards from pages of bpf_arena_alloc_pages, the first 8 bytes of each page counting its
 * live objects; a page goes back to the arena when its count drops to 0. The including program
 * declares the map `arena` and the allocator's state `cur_page` (char __arena *) and `cur_off`
 * (u64), each where it wants them (.bss or __arena globals). */
#ifndef SELFTESTS_PAGE_FRAG_H
#define SELFTESTS_PAGE_FRAG_H

#include "bpf_arena.h"

/* An object of size bytes, or 0 when the arena has no page left. */
static __always_inline void __arena *frag_alloc(u64 size)
{
	char __arena *pg = cur_page;
	void __arena *o;

	if (!pg || cur_off + size > PAGE_SIZE) {
		pg = bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0);
		if (!pg)
			return 0;
		cur_page = pg;
		cur_off = 8;
	}
	o = pg + cur_off;
	cur_off += size;
	(*(u64 __arena *)pg)++;
	return o;
}

static __always_inline void frag_free(void __arena *o)
{
	char __arena *pg = (char __arena *)((u64)o & ~(u64)(PAGE_SIZE - 1));
	u64 __arena *live = (u64 __arena *)pg;

	if (--*live == 0) {
		if (pg == cur_page)
			cur_page = 0;
		bpf_arena_free_pages(&arena, pg, 1);
	}
}

#endif
