/* Catalogue 62/63: one page of __arena globals in a 100-page arena. The program bumps a global
 * counter and allocates one page; where that page lands depends on where libbpf put the globals
 * (offset 0 before the Dec 2025 libbpf change, the end of the arena after it). */
#include "bpf_arena.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 100);
} arena SEC(".maps");

__u64 __arena counter = 41;
char __arena pad[PAGE_SIZE - 8];

SEC("syscall")
int bump_and_alloc(void *ctx)
{
	volatile char __arena *page;

	counter++;
	page = bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0);
	if (!page)
		return -1;
	*page = 7;
	return counter;
}

SEC("syscall")
int first_alloc(void *ctx)
{
	return (int)((__u64)bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0) & 0xffffffff);
}
