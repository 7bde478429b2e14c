/* A .bss with a counter and one struct bpf_spin_lock: the internal map's value record gets the
 * lock's offset (btf_parse_fields over the DATASEC). */
#include "bpf_arena_common.h"

struct bpf_spin_lock {
	unsigned int val;
};

long counter;
struct bpf_spin_lock lock;

SEC("syscall")
int count(void *ctx)
{
	counter++;
	return 0;
}

char _license[] SEC("license") = "GPL";
