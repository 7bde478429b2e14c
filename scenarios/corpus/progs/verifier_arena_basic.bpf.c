/* Selftest 12-1 (progs/verifier_arena.c, rewritten for this corpus; docs/scenario-catalogue.md): a
 * 2-page arena at map_extra 0x1000_FFFF_E000. Each program returns 0 when every check holds, else
 * the number of the failed check. */
#include "bpf_arena.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 2);
} arena SEC(".maps");

SEC("syscall")
int basic_alloc1(void *ctx)
{
	volatile int __arena *page1, *page2, *no_page, *page3;

	page1 = bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0);
	if (!page1)
		return 1;
	*page1 = 1;
	page2 = bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0);
	if (!page2)
		return 2;
	*page2 = 2;
	no_page = bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0);
	if (no_page)
		return 3;
	if (*page1 != 1)
		return 4;
	if (*page2 != 2)
		return 5;
	bpf_arena_free_pages(&arena, (void __arena *)page2, 1);
	if (*page1 != 1)
		return 6;
	if (*page2 != 0) /* use-after-free reads 0 */
		return 7;
	page3 = bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0);
	if (!page3)
		return 8;
	if (page3 != page2)
		return 9;
	if (*page1 != 1)
		return 10;
	return 0;
}

SEC("syscall")
int basic_reserve1(void *ctx)
{
	char __arena *page;
	int ret;

	page = bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0);
	if (!page)
		return 1;
	page += PAGE_SIZE;
	ret = bpf_arena_reserve_pages(&arena, page, 1);
	if (ret)
		return 2;
	if (bpf_arena_alloc_pages(&arena, page, 1, NUMA_NO_NODE, 0))
		return 3;
	if (bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0))
		return 4;
	return 0;
}
