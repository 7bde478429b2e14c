/* Equivalent of the upstream verifier_arena.c check_arena_arg_ret (written for this project):
 * arena pointers passed to and returned by a static and three global (__weak) subprograms, two of
 * them with volatile qualifiers on either side of __arena. Every call adds to the u32 at the start
 * of an allocated page; the program returns that value. check_arena_arg_tagged passes the page
 * to a global function whose parameter carries __arg_arena and which returns a scalar: the form
 * every verifier since the arena's first release accepts. */
#include "bpf_arena.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
} arena SEC(".maps");

static __noinline u32 __arena *bump_static(u32 __arena *p)
{
	*(volatile u32 __arena *)p += 1;
	return p;
}

__weak u32 __arena *bump_global(u32 __arena *p)
{
	*(volatile u32 __arena *)p += 1;
	return p;
}

__weak u32 volatile __arena *bump_quals1(u32 volatile __arena *p1, u32 __arena volatile *p2)
{
	*p1 = *p1 + 1;
	*p2 = *p1 + 1;
	return p2;
}

__weak u32 __arena volatile *bump_quals2(u32 volatile __arena *p1, u32 __arena volatile *p2)
{
	*p1 = *p1 + 1;
	*p2 = *p2 + 1;
	return p2;
}

SEC("syscall")
int check_arena_arg_ret(void *ctx)
{
	u32 __arena *page = bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0);
	u32 volatile __arena *ret;

	if (!page)
		return -1;
	page = bump_static(page);		/* 1 */
	page = bump_global(page);		/* 2 */
	ret = bump_quals1(page, page);		/* 3, then 4 */
	ret = bump_quals2(ret, page);		/* 5, then 6 */
	return *ret;
}

__weak int bump_tagged(u32 __arena *p __arg_arena)
{
	*p += 10;
	return *p;
}

SEC("syscall")
int check_arena_arg_tagged(void *ctx)
{
	u32 __arena *page = bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0);

	if (!page)
		return -1;
	return bump_tagged(page) + bump_tagged(page);	/* 10 + 20 */
}

char _license[] SEC("license") = "GPL";
