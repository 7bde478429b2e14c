/* Equivalent of the upstream verifier_arena_large selftest (written for this project): a 4 GiB
 * arena (2^20 pages). The selftest lets mmap place it; here map_extra puts it at 1 << 44 (4 GiB
 * aligned, as the kernel aligns a 4 GiB arena anyway), so the programs know user_vm_start. Every
 * program returns 0 when all its checks hold, else the number of the failed check. */
#include "bpf_arena.h"

#define BASE 0x100000000000ULL
#define ARENA_SIZE (1ULL << 32)
#define LAST_PG (ARENA_SIZE / PAGE_SIZE - 1)

ARENA_MAP(arena, 1 << 20, 0);

#define PG(n) ((unsigned char __arena *)(BASE + (u64)(n) * PAGE_SIZE))
#define IDX(p) (((u64)(p) - BASE) / PAGE_SIZE)

static __always_inline void __arena *alloc(void __arena *at, u32 cnt)
{
	return bpf_arena_alloc_pages(&arena, at, cnt, NUMA_NO_NODE, 0);
}

#include "big_alloc1.h"

/* The form without __arena globals: the first page is pgoff 0, the last page (pgoff 0xFFFFF)
 * can be allocated. */
SEC("syscall")
int big_alloc1(void *ctx)
{
	return big_alloc1_checks(0, LAST_PG);
}

/* Reserved pages are not populated: stores to them are dropped, loads read 0. */
SEC("syscall")
int access_reserved(void *ctx)
{
	volatile unsigned char __arena *page = PG(16384);
	int i;

	if (bpf_arena_reserve_pages(&arena, (void __arena *)page, 4))
		return 1;
	for (i = 0; i < 4; i++)
		page[i * PAGE_SIZE] = 0x5a;
	for (i = 0; i < 4; i++)
		if (page[i * PAGE_SIZE] != 0)
			return 2 + i;
	return 0;
}

/* An allocation overlapping a reservation in part fails as a whole. */
SEC("syscall")
int request_partially_reserved(void *ctx)
{
	unsigned char __arena *region = PG(4096);

	if (bpf_arena_reserve_pages(&arena, region + 3 * PAGE_SIZE, 4))
		return 1;
	if (alloc(region, 5))
		return 2;
	if (!alloc(region, 3))
		return 3;
	return 0;
}

/* One free covers an allocated and a reserved page; both become free. */
SEC("syscall")
int free_reserved(void *ctx)
{
	unsigned char __arena *a = PG(32768);

	if (alloc(a, 2) != a)
		return 1;
	if (bpf_arena_reserve_pages(&arena, a + 2 * PAGE_SIZE, 2))
		return 2;
	bpf_arena_free_pages(&arena, a + PAGE_SIZE, 2);
	if (alloc(a + PAGE_SIZE, 2) != a + PAGE_SIZE)
		return 3;
	return 0;
}

#define N 100

/* The range tree hands out the lowest best-fitting run: after freeing every even page of 100,
 * 50 single-page allocations fill exactly those holes; after freeing the pairs at multiples of 4,
 * 25 two-page allocations fill those. Pages never freed keep their values. Runs in a fresh arena,
 * in phases (one program each, run in this order): a free cannot report a failure (a failed
 * range-tree node allocation leaks the range silently), so the fault-injection sweep judges each
 * free on its own, as the scenarios' kfunc steps do. */
SEC("syscall")
int big_alloc2_alloc100(void *ctx)
{
	/* unsigned: v6.13's verifier refuses sign-extending loads from the arena */
	volatile unsigned char __arena *p;
	int i;

	for (i = 0; i < N; i++) {
		p = alloc(0, 1);
		if ((u64)p != BASE + (u64)i * PAGE_SIZE)
			return 1;
		*p = i + 1;
	}
	return 0;
}

/* Frees cnt pages at every step-th page of the first N. */
static __always_inline void free_every(int step, u32 cnt)
{
	int i;

	for (i = 0; i < N; i += step)
		bpf_arena_free_pages(&arena, PG(i), cnt);
}

/* N / step allocations of cnt pages, each of which must fill a hole free_every(step, cnt) left:
 * 0, or err for the first that does not. */
static __always_inline int refill(int step, u32 cnt, int err)
{
	volatile unsigned char __arena *p;
	int i;

	for (i = 0; i < N / step; i++) {
		p = alloc(0, cnt);
		if (!p || IDX(p) >= N || IDX(p) % step)
			return err;
	}
	return 0;
}

/* Two phases: FREE frees cnt pages at every step-th page, ALLOC fills the holes again. */
#define FREE_THEN_REFILL(FREE, ALLOC, step, cnt, err)	\
	SEC("syscall")					\
	int FREE(void *ctx)				\
	{						\
		free_every(step, cnt);			\
		return 0;				\
	}						\
							\
	SEC("syscall")					\
	int ALLOC(void *ctx)				\
	{						\
		return refill(step, cnt, err);		\
	}

FREE_THEN_REFILL(big_alloc2_free_even, big_alloc2_alloc50, 2, 1, 2)
FREE_THEN_REFILL(big_alloc2_free_pairs, big_alloc2_alloc25, 4, 2, 3)

SEC("syscall")
int big_alloc2_check(void *ctx)
{
	volatile unsigned char __arena *p;
	int i;

	for (i = 3; i < N; i += 4)
		if (*PG(i) != i + 1)
			return 4;
	p = alloc(0, 1);
	if (!p || IDX(p) < N)
		return 5;
	return 0;
}

#define BIG 2051

/* E4+: in a non-sleepable program, 2051 pages in one call (more than one 1024-page batch), every
 * page written and read back, then the first 1025 freed (deferred: the worker frees them). */
SEC("socket")
int big_alloc3(void *ctx)
{
	volatile char __arena *p;
	int i;

	p = alloc(0, BIG);
	if (!p)
		return 1;
	for (i = 0; i < BIG; i++)
		p[(u64)i * PAGE_SIZE] = 123;
	for (i = 0; i < BIG; i++)
		if (p[(u64)i * PAGE_SIZE] != 123)
			return 2;
	bpf_arena_free_pages(&arena, (void __arena *)p, 1025);
	return 0;
}
