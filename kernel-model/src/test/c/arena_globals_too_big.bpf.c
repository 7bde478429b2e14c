/* Catalogue 64: three pages of __arena globals cannot fit a 2-page arena (libbpf -E2BIG). */
#include "bpf_arena_common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 2);
} arena SEC(".maps");

char __arena big[3 * PAGE_SIZE] = {1};

SEC("syscall")
int touch(void *ctx)
{
	return big[0];
}

char _license[] SEC("license") = "GPL";
