/* The shape selftests basic_alloc1 (progs/verifier_arena.c) and big_alloc1 (verifier_arena_large.c)
 * share (docs/scenario-catalogue.md#12-1-verifier_arena, #12-2): page1 = an any-address allocation
 * holding 1, page2 = an allocation at page1 + SECOND holding 2, and one at page1 + THIRD must fail
 * (an offset of 0 asks for any address). Then one of the two is freed (page1 if FREE_FIRST, else
 * page2): the other keeps its value, the freed one reads 0 (the extable fixup of a load from an
 * unpopulated page), and the next any-address allocation takes the freed page again. Returns 0,
 * or the number of the failed check, 1 to 10 as the selftests number them. Needs
 * bpf_arena_common.h. */
#ifndef ALLOC_TWO_FREE_ONE_H
#define ALLOC_TWO_FREE_ONE_H

static __always_inline void __arena *alloc_at(void *map, volatile char __arena *from, __u64 offset)
{
	return bpf_arena_alloc_pages(map, offset ? (void __arena *)(from + offset) : 0, 1, NUMA_NO_NODE, 0);
}

static __always_inline int alloc_two_free_one(void *map, __u64 second, __u64 third, int free_first)
{
	volatile char __arena *page1, *page2, *kept, *freed, *again;
	char kept_value;

	page1 = alloc_at(map, 0, 0);
	if (!page1)
		return 1;
	*page1 = 1;
	page2 = alloc_at(map, page1, second);
	if (!page2)
		return 2;
	*page2 = 2;
	if (alloc_at(map, page1, third))
		return 3;
	if (*page1 != 1)
		return 4;
	if (*page2 != 2)
		return 5;
	kept = free_first ? page2 : page1;
	freed = free_first ? page1 : page2;
	kept_value = free_first ? 2 : 1;
	bpf_arena_free_pages(map, (void __arena *)freed, 1);
	if (*kept != kept_value)
		return 6;
	if (*freed != 0)
		return 7;
	again = alloc_at(map, 0, 0);
	if (!again)
		return 8;
	if (again != freed)
		return 9;
	if (*kept != kept_value)
		return 10;
	return 0;
}

#endif
