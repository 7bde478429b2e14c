/* Catalogue 64: three pages of __arena globals do not fit a two-page arena: libbpf's open fails
 * with -E2BIG ("declared ARENA map size ... is too small to hold global __arena variables"). */
#include "bpf_arena.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 2);
} arena SEC(".maps");

char __arena big[3 * PAGE_SIZE];

SEC("syscall")
int touch(void *ctx)
{
	big[0] = 1;
	return 0;
}
