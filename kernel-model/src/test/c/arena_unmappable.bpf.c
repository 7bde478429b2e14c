/* libbpf's "failed to mmap arena" (docs/semantics.md#libbpf): map_extra names a user range the process
 * cannot map. The arena's 16 KiB from 0x7fffffffc000 end past TASK_SIZE, so libbpf's mmap(MAP_FIXED)
 * gets -ENOMEM (do_mmap's range check); the range stays inside one 4 GiB window, as arena_map_alloc requires. */
#include "bpf_arena_common.h"

ARENA_MAP(arena, 4, 0x7fffffffc000ull);

SEC("syscall")
int nothing(void *ctx)
{
	return 0;
}

char _license[] SEC("license") = "GPL";
