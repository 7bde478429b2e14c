/* Global (non-static) subprograms, which the verifier checks on their own from their BTF
 * (btf_prepare_func_args) and at each call against those types (btf_check_func_arg_match). */
#include "bpf_arena_common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 2);
} arena SEC(".maps");

__u64 table[4];

/* arg:arena: the callee starts with an arena pointer in R1 */
__weak int add_tagged(__u32 __arena *p __arg_arena, int n)
{
	return *p += n;
}

SEC("syscall")
int tagged_arg(void *ctx)
{
	__u32 __arena *p = bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0);

	return p ? add_tagged(p, 5) : -1;
}

/* the callee sees an unknown int whatever the caller passes: indexing is unbounded */
__weak int lookup(int i)
{
	return table[i];
}

static __noinline int lookup_static(int i)
{
	return table[i];
}

SEC("syscall")
int global_index(void *ctx) { return lookup(1); }

SEC("syscall")
int static_index(void *ctx) { return lookup_static(1); }

/* an arena pointer returned by a global function */
__weak __u32 __arena *same(__u32 __arena *p)
{
	return p;
}

SEC("syscall")
int arena_return(void *ctx)
{
	__u32 __arena *p = bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0);

	if (p)
		*same(p) = 7;
	return p ? *p : -1;
}

char _license[] SEC("license") = "GPL";
