/* libbpf supports one arena per object ("only single ARENA map is supported"; docs/semantics.md#libbpf). */
#include "bpf_arena_common.h"

ARENA_MAP(arena, 4, 0);

ARENA_MAP(arena2, 4, 0);

SEC("syscall")
int nothing(void *ctx)
{
	return 0;
}

char _license[] SEC("license") = "GPL";
