/* Equivalent of the arena_mem_usage selftest (written for this project): a 1000-page arena at
 * 1 << 44; the BPF side allocates and frees in the order the selftest checks memory usage after
 * each call, and user space touches pages in between (the scenario's write steps). */
#include "bpf_arena.h"

#define BASE 0x100000000000ULL

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1000);
} arena SEC(".maps");

#define AT(pg) ((void __arena *)(BASE + (pg) * PAGE_SIZE))

SEC("syscall")
int alloc_17(void *ctx)
{
	char __arena *p = bpf_arena_alloc_pages(&arena, 0, 17, NUMA_NO_NODE, 0);

	if ((u64)p != BASE)
		return 1;
	p[0] = 1;
	return 0;
}

SEC("syscall")
int free_first(void *ctx)
{
	bpf_arena_free_pages(&arena, AT(0), 1);
	return 0;
}

SEC("syscall")
int free_next_10(void *ctx)
{
	bpf_arena_free_pages(&arena, AT(1), 10);
	return 0;
}

SEC("syscall")
int free_last_6(void *ctx)
{
	bpf_arena_free_pages(&arena, AT(11), 6);
	return 0;
}

SEC("syscall")
int free_user_touched_8(void *ctx)
{
	bpf_arena_free_pages(&arena, AT(100), 8);
	return 0;
}
