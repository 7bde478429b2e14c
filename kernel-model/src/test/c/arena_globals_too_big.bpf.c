/* Catalogue 64: three pages of __arena globals cannot fit a 2-page arena (libbpf -E2BIG). */
#include "bpf_arena_common.h"

ARENA_MAP(arena, 2, 0);

char __arena big[3 * PAGE_SIZE] = {1};

SEC("syscall")
int touch(void *ctx)
{
	return big[0];
}

char _license[] SEC("license") = "GPL";
