/* libbpf supports one arena per object ("only single ARENA map is supported"; docs/semantics.md#libbpf). */
#include "bpf_arena_common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 4);
} arena SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 4);
} arena2 SEC(".maps");

SEC("syscall")
int nothing(void *ctx)
{
	return 0;
}

char _license[] SEC("license") = "GPL";
