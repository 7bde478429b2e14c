/* The checks of upstream verifier_arena_large.c's big_alloc1, for a 4 GiB arena (2^20 pages) at
 * BASE, with the first any-address allocation expected at pgoff FIRST_PG and an explicit one at
 * pgoff HIGH_PG (where they are depends on where libbpf put the object's __arena globals, if it
 * has any). The address one past the end, whose low 32 bits are pgoff 0's, is taken (by the first
 * page or by the globals), so NULL; a freed page reads 0 and is handed out again; the pages next
 * to the two read 0. The including program defines BASE, ARENA_SIZE, the map `arena` and
 * alloc(at, cnt). Returns 0, or the number of the failed check. */
#ifndef SELFTESTS_BIG_ALLOC1_H
#define SELFTESTS_BIG_ALLOC1_H

static __always_inline void __arena *alloc_pgoff(u64 pgoff)
{
	return alloc((void __arena *)(BASE + pgoff * PAGE_SIZE), 1);
}

static __always_inline int big_alloc1_checks(u64 first_pg, u64 high_pg)
{
	volatile char __arena *first, *high, *again;

	first = alloc(0, 1);
	if ((u64)first != BASE + first_pg * PAGE_SIZE)
		return 1;
	*first = 1;
	high = alloc_pgoff(high_pg);
	if (!high)
		return 2;
	*high = 2;
	if (alloc((void __arena *)(BASE + ARENA_SIZE), 1))
		return 3;
	if (*first != 1 || *high != 2)
		return 4;
	bpf_arena_free_pages(&arena, (void __arena *)first, 1);
	if (*first != 0)
		return 5;
	if (*high != 2)
		return 6;
	again = alloc(0, 1);
	if (again != first)
		return 7;
	if (*again != 0)
		return 8;
	if (*(high - PAGE_SIZE) != 0 || *(first + PAGE_SIZE) != 0)
		return 9;
	return 0;
}

#endif
