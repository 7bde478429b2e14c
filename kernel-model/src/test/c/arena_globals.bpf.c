/* libbpf globals (docs/semantics.md#libbpf), catalogue 62/63: 100 bytes of __arena globals in a
 * 100-page arena at 1 << 44. Where libbpf puts them (offset 0 or the last page) decides where the
 * first any-address allocation lands; alloc_page reports what bpf_arena_alloc_pages returned for
 * .bss's want. */
#include "bpf_arena_common.h"

ARENA_MAP(arena, 100, 1ull << 44);

unsigned char __arena blob[96] = {7, 6, 5, 4};
int __arena counter = 41;

long want; /* .bss: requested address, 0 = anywhere */
long got;  /* .bss: what the kfunc returned */

SEC("syscall")
int alloc_page(void *ctx)
{
	got = (long)bpf_arena_alloc_pages(&arena, (void __arena *)want, 1, NUMA_NO_NODE, 0);
	return 0;
}

SEC("syscall")
int bump_counter(void *ctx)
{
	counter++;
	return blob[0];
}

char _license[] SEC("license") = "GPL";
