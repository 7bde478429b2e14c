/* Selftest 12-1 (progs/verifier_arena.c, docs/scenario-catalogue.md#12-1-verifier_arena): a 2-page
 * arena placed so that it ends at a 4 GiB boundary; every program returns 0 when all its checks
 * pass, else the number of the check. */
#include "bpf_arena_common.h"

#define EBUSY 16
#define EINVAL 22

ARENA_MAP(arena, 2, (1ull << 44) | (~0u - __PAGE_SIZE * 2 + 1));

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
	if (*page2 != 0) /* freed page reads 0 through the extable fixup */
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
int basic_alloc2(void *ctx)
{
	volatile char __arena *page1, *page2, *page3, *page4;

	page1 = bpf_arena_alloc_pages(&arena, 0, 2, NUMA_NO_NODE, 0);
	if (!page1)
		return 1;
	page2 = page1 + __PAGE_SIZE;
	page3 = page1 + __PAGE_SIZE * 2;
	page4 = page1 - __PAGE_SIZE;
	*page1 = 1;
	*page2 = 2;
	*page3 = 3;
	*page4 = 4;
	if (*page1 != 1)
		return 2;
	if (*page2 != 2)
		return 3;
	if (*page3 != 0)
		return 4;
	if (*page4 != 0)
		return 5;
	bpf_arena_free_pages(&arena, (void __arena *)page1, 2);
	if (*page1 != 0)
		return 6;
	if (*page2 != 0)
		return 7;
	if (*page3 != 0)
		return 8;
	if (*page4 != 0)
		return 9;
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
	page += __PAGE_SIZE;
	ret = bpf_arena_reserve_pages(&arena, page, 1);
	if (ret)
		return 2;
	if (bpf_arena_alloc_pages(&arena, page, 1, NUMA_NO_NODE, 0))
		return 3;
	if (bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0))
		return 4;
	return 0;
}

SEC("syscall")
int basic_reserve2(void *ctx)
{
	char __arena *page = (char __arena *)(__u64)((1ull << 44) | (~0u - __PAGE_SIZE * 2 + 1));

	if (bpf_arena_reserve_pages(&arena, page, 1))
		return 1;
	if (bpf_arena_alloc_pages(&arena, page, 1, NUMA_NO_NODE, 0))
		return 2;
	return 0;
}

SEC("syscall")
int reserve_twice(void *ctx)
{
	char __arena *page = (char __arena *)(__u64)((1ull << 44) | (~0u - __PAGE_SIZE * 2 + 1));

	if (bpf_arena_reserve_pages(&arena, page, 1))
		return 1;
	if (bpf_arena_reserve_pages(&arena, page, 1) != -EBUSY)
		return 2;
	return 0;
}

SEC("syscall")
int reserve_invalid_region(void *ctx)
{
	char __arena *page = (char __arena *)(__u64)((1ull << 44) | (~0u - __PAGE_SIZE * 2 + 1));

	if (bpf_arena_reserve_pages(&arena, 0, 3) != -EINVAL)
		return 1;
	if (bpf_arena_reserve_pages(&arena, page, 3) != -EINVAL)
		return 2;
	if (bpf_arena_reserve_pages(&arena, page, 4096) != -EINVAL)
		return 3;
	if (bpf_arena_reserve_pages(&arena, page, (1ull << 32) - 1) != -EINVAL)
		return 4;
	return 0;
}

char _license[] SEC("license") = "GPL";
