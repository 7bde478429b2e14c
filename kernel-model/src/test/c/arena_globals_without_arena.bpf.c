/* libbpf (docs/semantics.md#libbpf): an object with .addr_space.1 but no arena map is refused by libbpf. */
#include "bpf_arena_common.h"

int __arena orphan = 1;

SEC("syscall")
int read_orphan(void *ctx)
{
	return orphan;
}

char _license[] SEC("license") = "GPL";
