/* Selftest 12-2 (progs/verifier_arena_large.c, docs/scenario-catalogue.md): a 4 GiB arena (2^20
 * pages) without map_extra and one page of __arena globals, which libbpf puts at offset 0 (before
 * Dec 2025) or at the end. */
#include "bpf_arena_common.h"
#include "alloc_two_free_one.h"

#define ARENA_SIZE (1ull << 32)

ARENA_MAP(arena, ARENA_SIZE / PAGE_SIZE, 0);

char __arena page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
__u8 __arena *__arena pages[100]; /* too big for the 512-byte stack */

/* page2 two pages below the arena's end; the allocation at page1 + 4 GiB fails, as only the low
 * 32 bits of the address count and they name page1's pgoff; page1 is freed. Where page1 lands depends on where libbpf put the globals (selftest
 * 12-2): checked by the caller. */
SEC("syscall")
int big_alloc1(void *ctx)
{
	page[0] = 1; /* touch the globals page */
	return alloc_two_free_one(&arena, ARENA_SIZE - PAGE_SIZE * 2, ARENA_SIZE, 1);
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
