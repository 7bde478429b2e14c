/* Equivalents of the upstream progs/verifier_arena.c tests not yet in the corpus (written for
 * this project; corpus 12-1 has basic_alloc1 and basic_reserve1): a 2-page arena at map_extra
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
SEC("syscall")
int basic_alloc3(void *ctx)
{
	return alloc(0, 2) ? 0 : 1;
}

SEC("syscall")
int basic_reserve2(void *ctx)
{
	if (bpf_arena_reserve_pages(&arena, (void __arena *)BASE, 1))
		return 1;
	if (alloc((void __arena *)BASE, 1))
		return 2;
	return 0;
}

CHECK_PROG("syscall", reserve_twice, reserve_twice_at_base)

SEC("syscall")
int reserve_invalid_region(void *ctx)
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

/* E4+: the same from a non-sleepable program. The free is deferred there, so right after it a
 * page may still read its old value; this checks the allocation side. */
SEC("socket")
int basic_alloc3_nosleep(void *ctx)
{
	return alloc(0, 2) ? 0 : 1;
}

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
