/* Equivalents of the upstream progs/verifier_arena.c tests (written for this project; corpus 12-1
 * has the sleepable basic_alloc1 and basic_reserve1, the _nosleep variants of all are here): a 2-page arena at map_extra
 * 0x1000_FFFF_E000, so the arena ends exactly at a 4 GiB boundary. Each program returns 0 when all
 * its checks hold, else the number of the failed check. */
#include "bpf_arena.h"

#define BASE 0x1000FFFFE000ULL
#define EBUSY 16
#define EINVAL 22

ARENA_MAP(arena, 2, 0);

/* A program in SECTION ("syscall": sleepable, "socket": not) that returns what CHECK returns. */
#define CHECK_PROG(SECTION, NAME, CHECK)	\
	SEC(SECTION)				\
	int NAME(void *ctx)			\
	{					\
		return CHECK();			\
	}

static __always_inline void __arena *alloc(void __arena *at, u32 cnt)
{
	return bpf_arena_alloc_pages(&arena, at, cnt, NUMA_NO_NODE, 0);
}

/* The first page reserved, then again: the second reservation finds it taken (-EBUSY). */
static __always_inline int reserve_twice_at_base(void)
{
	if (bpf_arena_reserve_pages(&arena, (void __arena *)BASE, 1))
		return 1;
	if (bpf_arena_reserve_pages(&arena, (void __arena *)BASE, 1) != -EBUSY)
		return 2;
	return 0;
}

/* Two pages; the page after them (low 32 bits 0) and the one before are outside the arena's
 * kernel range, so stores there are dropped and loads read 0; after the free all four read 0. */
static __always_inline int alloc2(void)
{
	volatile int __arena *p = alloc(0, 2);

	if ((u64)p != BASE)
		return 1;
	p[0] = 1;
	p[1024] = 2;
	p[2048] = 3;
	p[-1024] = 4;
	if (p[0] != 1 || p[1024] != 2)
		return 2;
	if (p[2048] != 0 || p[-1024] != 0)
		return 3;
	bpf_arena_free_pages(&arena, (void __arena *)p, 2);
	if (p[0] != 0 || p[1024] != 0 || p[2048] != 0 || p[-1024] != 0)
		return 4;
	return 0;
}

CHECK_PROG("syscall", basic_alloc2, alloc2)

/* As many pages as the arena has, in one call. */
static __always_inline int alloc_whole_arena(void)
{
	return alloc(0, 2) ? 0 : 1;
}

CHECK_PROG("syscall", basic_alloc3, alloc_whole_arena)

/* A reserved page cannot be allocated. */
static __always_inline int reserve_then_alloc(void)
{
	if (bpf_arena_reserve_pages(&arena, (void __arena *)BASE, 1))
		return 1;
	if (alloc((void __arena *)BASE, 1))
		return 2;
	return 0;
}

CHECK_PROG("syscall", basic_reserve2, reserve_then_alloc)

CHECK_PROG("syscall", reserve_twice, reserve_twice_at_base)

/* Reservations that reach past the arena's end (or start at NULL) are -EINVAL. */
static __always_inline int reserve_past_end(void)
{
	if (bpf_arena_reserve_pages(&arena, 0, 3) != -EINVAL)
		return 1;
	if (bpf_arena_reserve_pages(&arena, (void __arena *)BASE, 3) != -EINVAL)
		return 2;
	if (bpf_arena_reserve_pages(&arena, (void __arena *)BASE, 4096) != -EINVAL)
		return 3;
	if (bpf_arena_reserve_pages(&arena, (void __arena *)BASE, 0xffffffff) != -EINVAL)
		return 4;
	return 0;
}

CHECK_PROG("syscall", reserve_invalid_region, reserve_past_end)

/* E4+: the same from non-sleepable programs (SEC("socket")). A free is deferred there, so right
 * after it a page may still read its old value (the selftests accept it or 0). */
CHECK_PROG("socket", basic_alloc3_nosleep, alloc_whole_arena)

CHECK_PROG("socket", reserve_twice_nosleep, reserve_twice_at_base)

SEC("socket")
int basic_alloc2_nosleep(void *ctx)
{
	volatile int __arena *p = alloc(0, 2);

	if ((u64)p != BASE)
		return 1;
	p[0] = 1;
	p[1024] = 2;
	if (p[0] != 1 || p[1024] != 2 || p[2048] != 0 || p[-1024] != 0)
		return 2;
	bpf_arena_free_pages(&arena, (void __arena *)p, 2);
	/* deferred: 1 and 2 until the worker runs */
	if ((p[0] != 0 && p[0] != 1) || (p[1024] != 0 && p[1024] != 2))
		return 3;
	return 0;
}

CHECK_PROG("socket", basic_reserve2_nosleep, reserve_then_alloc)
CHECK_PROG("socket", reserve_invalid_region_nosleep, reserve_past_end)

/* Two one-page allocations fill the arena, a third fails; page 2 freed (deferred) keeps reading 2
 * or 0 and page 1 keeps 1. */
SEC("socket")
int basic_alloc1_nosleep(void *ctx)
{
	volatile int __arena *page[2];
	int i;

	for (i = 0; i < 2; i++) {
		page[i] = alloc(0, 1);
		if (!page[i])
			return 1 + i;
		*page[i] = 1 + i;
	}
	if (alloc(0, 1))
		return 3;
	if (*page[0] != 1 || *page[1] != 2)
		return 4;
	bpf_arena_free_pages(&arena, (void __arena *)page[1], 1);
	if (*page[0] != 1)
		return 6;
	if (*page[1] != 0 && *page[1] != 2)
		return 7;
	return 0;
}

/* One page allocated, the next one reserved: neither an allocation at the reserved page nor one
 * anywhere (the arena has no page left) succeeds. */
SEC("socket")
int basic_reserve1_nosleep(void *ctx)
{
	char __arena *next;

	if (alloc(0, 1) != (void __arena *)BASE)
		return 1;
	next = (char __arena *)BASE + PAGE_SIZE;
	if (bpf_arena_reserve_pages(&arena, next, 1))
		return 2;
	if (alloc(next, 1))
		return 3;
	if (alloc(0, 1))
		return 4;
	return 0;
}
