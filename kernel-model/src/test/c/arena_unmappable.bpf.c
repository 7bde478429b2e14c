/* libbpf's "failed to mmap arena" (docs/semantics.md#libbpf): map_extra names a user address the
 * process cannot map (the emulator's physical window, where MAP_FIXED gives -ENOMEM). */
#include "bpf_arena_common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 4);
	__ulong(map_extra, 1ull << 32);
} arena SEC(".maps");

SEC("syscall")
int nothing(void *ctx)
{
	return 0;
}

char _license[] SEC("license") = "GPL";
