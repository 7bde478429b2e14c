/* Equivalent of upstream verifier_arena_large.c's big_alloc1 in the object it lives in there,
 * which has one page of __arena globals (written for this project): libbpf before Dec 2025 puts
 * them at pgoff 0, so the first any-address page is pgoff 1 and the last page can still be
 * allocated; libbpf since then puts them at the arena's last page, so the first page is pgoff 0,
 * the highest the program can have is the one below, and the last page is taken. Each program
 * also checks where the globals are and that their page cannot be allocated. */
#include "bpf_arena.h"

#define BASE 0x100000000000ULL
#define ARENA_SIZE (1ULL << 32)
#define LAST_PG (ARENA_SIZE / PAGE_SIZE - 1)

ARENA_MAP(arena, 1 << 20, 0);

/* 800 bytes: the globals take one page (upstream keeps big_alloc2's page table there). */
u64 __arena slots[100];

static __always_inline void __arena *alloc(void __arena *at, u32 cnt)
{
	return bpf_arena_alloc_pages(&arena, at, cnt, NUMA_NO_NODE, 0);
}

#include "big_alloc1.h"

static __always_inline int around_globals(u64 globals_pg, u64 first_pg, u64 high_pg)
{
	if ((u64)&slots != BASE + globals_pg * PAGE_SIZE)
		return 10;
	if (alloc_pgoff(globals_pg))
		return 11;
	return big_alloc1_checks(first_pg, high_pg);
}

/* libbpf before Dec 2025 (eras v6.9 to v6.13) */
SEC("syscall")
int big_alloc1_globals_first(void *ctx)
{
	return around_globals(0, 1, LAST_PG);
}

/* libbpf since Dec 2025 (eras v7.0 and latest) */
SEC("syscall")
int big_alloc1_globals_last(void *ctx)
{
	return around_globals(LAST_PG, 0, LAST_PG - 1);
}
