/* Selftest 12-1 (progs/verifier_arena.c, docs/scenario-catalogue.md#12-1-verifier_arena): a 2-page
 * arena placed so that it ends at a 4 GiB boundary; every program returns 0 when all its checks
 * pass, else the number of the check. */
#include "bpf_arena_common.h"
#include "alloc_two_free_one.h"

#define EBUSY 16
#define EINVAL 22
/* map_extra: the arena's two pages end at a 4 GiB boundary */
#define ARENA_START ((1ull << 44) | (~0u - __PAGE_SIZE * 2 + 1))

ARENA_MAP(arena, 2, ARENA_START);

static __always_inline char __arena *arena_start(void)
{
	return (char __arena *)ARENA_START;
}

/* bpf_arena_reserve_pages of the arena's first page */
static __always_inline int reserve_start(void)
{
	return bpf_arena_reserve_pages(&arena, arena_start(), 1);
}

/* two pages fill the arena, so the third any-address allocation fails; page2 is freed */
SEC("syscall")
int basic_alloc1(void *ctx)
{
	return alloc_two_free_one(&arena, 0, 0, 0);
}

/* one 2-page allocation: the pages below and above it stay unpopulated (stores dropped, loads
 * read 0), and after the free all four read 0 */
SEC("syscall")
int basic_alloc2(void *ctx)
{
	const char stored[4] = {1, 2, 0, 0};
	volatile char __arena *page[4];
	int i;

	page[0] = bpf_arena_alloc_pages(&arena, 0, 2, NUMA_NO_NODE, 0);
	if (!page[0])
		return 1;
	page[1] = page[0] + __PAGE_SIZE;
	page[2] = page[0] + __PAGE_SIZE * 2;
	page[3] = page[0] - __PAGE_SIZE;
	for (i = 0; i < 4; i++)
		*page[i] = i + 1;
	for (i = 0; i < 4; i++)
		if (*page[i] != stored[i])
			return 2 + i;
	bpf_arena_free_pages(&arena, (void __arena *)page[0], 2);
	for (i = 0; i < 4; i++)
		if (*page[i] != 0)
			return 6 + i;
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
	if (reserve_start())
		return 1;
	/* a reserved page cannot be allocated */
	return bpf_arena_alloc_pages(&arena, arena_start(), 1, NUMA_NO_NODE, 0) ? 2 : 0;
}

SEC("syscall")
int reserve_twice(void *ctx)
{
	if (reserve_start())
		return 1;
	/* nor reserved again */
	return reserve_start() != -EBUSY ? 2 : 0;
}

SEC("syscall")
int reserve_invalid_region(void *ctx)
{
	char __arena *page = arena_start();

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
