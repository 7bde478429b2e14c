/* One object, two programs: libbpf opens and loads it once, so both programs share the .bss map
 * (calls) and the __arena globals (total), whose initial image is copied into the arena once. */
#include "bpf_arena.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 4);
} arena SEC(".maps");

__u64 calls;
__u64 __arena total = 100;

SEC("syscall")
int add(void *ctx)
{
	calls++;
	total += 5;
	return calls;
}

SEC("syscall")
int get(void *ctx)
{
	return calls * 1000 + total;
}
