/* The page-fragment allocator of the arena_htab and arena_list equivalents: fixed-size objects
 * carved upwards from pages of bpf_arena_alloc_pages, the first 8 bytes of each page counting its
 * live objects; a page goes back to the arena when its count drops to 0. The including program
 * declares the map `arena` and the allocator's state `cur_page` (char __arena *) and `cur_off`
 * (u64), each where it wants them (.bss or __arena globals). */
#ifndef SELFTESTS_PAGE_FRAG_H
#define SELFTESTS_PAGE_FRAG_H

#include "bpf_arena.h"

/* An object of size bytes (its user address), or 0 when the arena has no page left. The casts
 * are no-ops unless BPF_ARENA_FORCE_ASM (bpf_arena_common.h): pointers are kept as user addresses
 * and cast to the kernel's form only where they are dereferenced. */
static __always_inline void __arena *frag_alloc(u64 size)
{
	char __arena *pg = cur_page;
	u64 __arena *live;

	if (!pg || cur_off + size > PAGE_SIZE) {
		pg = bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0);
		if (!pg)
			return 0;
		cast_user(pg);
		cur_page = pg;
		cur_off = 8;
	}
	live = (u64 __arena *)pg;
	cast_kern(live);
	(*live)++;
	pg += cur_off;
	cur_off += size;
	return pg;
}

/* Frees an object given by either address form (the page is found from the low bits). */
static __always_inline void frag_free(void __arena *o)
{
	char __arena *pg;
	u64 __arena *live;

	cast_user(o);
	pg = (char __arena *)((u64)o & ~(u64)(PAGE_SIZE - 1));
	live = (u64 __arena *)pg;
	cast_kern(live);
	if (--*live == 0) {
		if (pg == cur_page)
			cur_page = 0;
		bpf_arena_free_pages(&arena, pg, 1);
	}
}

#endif
