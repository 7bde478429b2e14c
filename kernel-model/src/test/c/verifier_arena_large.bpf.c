/* Selftest 12-2 (progs/verifier_arena_large.c, docs/scenario-catalogue.md): a 4 GiB arena (2^20
 * pages) without map_extra and one page of __arena globals, which libbpf puts at offset 0 (before
 * Dec 2025) or at the end. */
#include "bpf_arena_common.h"

#define ARENA_SIZE (1ull << 32)

ARENA_MAP(arena, ARENA_SIZE / PAGE_SIZE, 0);

char __arena page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
__u8 __arena *__arena pages[100]; /* too big for the 512-byte stack */

SEC("syscall")
int big_alloc1(void *ctx)
{
	volatile char __arena *page1, *page2, *no_page, *page3;
	void __arena *base;

	page[0] = 1; /* touch the globals page */
	page1 = base = bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0);
	if (!page1)
		return 1;
	/* where page1 lands depends on where libbpf put the globals (selftest 12-2): checked by the caller */
	*page1 = 1;
	page2 = bpf_arena_alloc_pages(&arena, base + ARENA_SIZE - PAGE_SIZE * 2, 1, NUMA_NO_NODE, 0);
	if (!page2)
		return 2;
	*page2 = 2;
	no_page = bpf_arena_alloc_pages(&arena, base + ARENA_SIZE, 1, NUMA_NO_NODE, 0);
	if (no_page)
		return 3;
	if (*page1 != 1)
		return 4;
	if (*page2 != 2)
		return 5;
	bpf_arena_free_pages(&arena, (void __arena *)page1, 1);
	if (*page2 != 2)
		return 6;
	if (*page1 != 0)
		return 7;
	page3 = bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0);
	if (!page3)
		return 8;
	if (page3 != page1)
		return 9;
	if (*page2 != 2)
		return 10;
	return 0;
}

SEC("syscall")
int big_alloc2(void *ctx)
{
	int i;

	for (i = 0; i < 100; i++) {
		pages[i] = bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0);
		if (!pages[i])
			return 1;
		*pages[i] = (__u8)i;
		if (i && pages[i] != pages[i - 1] + PAGE_SIZE)
			return 2;
	}
	for (i = 0; i < 100; i += 2)
		bpf_arena_free_pages(&arena, pages[i], 1);
	for (i = 0; i < 100; i += 2) {
		pages[i] = bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0);
		if (!pages[i])
			return 3;
	}
	for (i = 1; i < 100; i += 2)
		if (*pages[i] != (__u8)i)
			return 4;
	return 0;
}

char _license[] SEC("license") = "GPL";
