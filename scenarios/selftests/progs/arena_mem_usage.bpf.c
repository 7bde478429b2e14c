/* Equivalent of the arena_mem_usage selftest (written for this project): a 1000-page arena at
 * 1 << 44; the BPF side allocates and frees in the order the selftest checks memory usage after
 * each call, and user space touches pages in between (the scenario's write steps). */
#include "bpf_arena.h"

#define BASE 0x100000000000ULL

ARENA_MAP(arena, 1000, 0);

#define AT(pg) ((void __arena *)(BASE + (pg) * PAGE_SIZE))

SEC("syscall")
int alloc_17(void *ctx)
{
	char __arena *p = bpf_arena_alloc_pages(&arena, 0, 17, NUMA_NO_NODE, 0);

	if ((u64)p != BASE)
		return 1;
	p[0] = 1;
	return 0;
}

/* A program that frees CNT pages from page PG on: the selftest's frees, one call each. */
#define FREE_PAGES(NAME, PG, CNT)				\
	SEC("syscall")						\
	int NAME(void *ctx)					\
	{							\
		bpf_arena_free_pages(&arena, AT(PG), CNT);	\
		return 0;					\
	}

FREE_PAGES(free_first, 0, 1)
FREE_PAGES(free_next_10, 1, 10)
FREE_PAGES(free_last_6, 11, 6)
FREE_PAGES(free_user_touched_8, 100, 8)
