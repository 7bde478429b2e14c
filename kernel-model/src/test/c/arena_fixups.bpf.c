/* Selftest 12-1 basic_alloc2 and scenarios 58-60 (docs/scenario-catalogue.md): accesses to arena
 * pages that were never populated (or were freed) must fault, be fixed up by the extable, read 0
 * and skip stores. */
#include "bpf_arena_common.h"

ARENA_MAP(arena, 10, 1ull << 44);

long atomic_result; /* .bss */
long sx_result;     /* .bss */

SEC("syscall")
int unpopulated_access(void *ctx)
{
	volatile char __arena *page1 = bpf_arena_alloc_pages(&arena, 0, 2, NUMA_NO_NODE, 0);
	volatile int __arena *p1, *p2, *p3, *p0;
	volatile long __arena *counter;

	if (!page1)
		return 1;
	p1 = (volatile int __arena *)page1;
	p2 = (volatile int __arena *)(page1 + PAGE_SIZE);
	p3 = (volatile int __arena *)(page1 + 2 * PAGE_SIZE); /* never populated */
	p0 = (volatile int __arena *)(page1 - PAGE_SIZE);     /* never populated */
	*p1 = 1;
	*p2 = 2;
	*p3 = 3;
	*p0 = 4;
	if (*p1 != 1 || *p2 != 2)
		return 2;
	if (*p3 != 0 || *p0 != 0)
		return 3;
	counter = (volatile long __arena *)p3;
	atomic_result = __sync_fetch_and_add(counter, 5); /* skipped: the fetch register keeps its value */
	bpf_arena_free_pages(&arena, (void __arena *)page1, 2);
	if (*p1 != 0 || *p2 != 0)
		return 4;
	return 0;
}

/* A sign-extending load through an arena pointer: MEMSX -> PROBE_MEM32SX where the JIT supports
 * it (v6.18+), "sign extending loads from arena are not supported yet" before. */
SEC("syscall")
int sign_extending_load(void *ctx)
{
	volatile signed char __arena *p = bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0);

	if (!p)
		return 1;
	*p = -5;
	sx_result = *p; /* ldsx: r = *(s8 *)(p + 0) */
	return 0;
}

char _license[] SEC("license") = "GPL";
