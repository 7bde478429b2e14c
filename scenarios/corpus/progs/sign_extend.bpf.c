/* A sign-extending load from arena memory. clang -mcpu=v4 emits it as one BPF_MEMSX load, which
 * the verifier refuses for arena pointers before the Sept 2025 "sign extending loads from arena"
 * support ("sign extending loads from arena are not supported yet"); -mcpu=v3 has no MEMSX and
 * emits a 32-bit load followed by shifts, which every era accepts. */
#include "bpf_arena.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 4);
} arena SEC(".maps");

/* The 64-bit value, kept in .bss so that the sign extension has to happen. */
long value;

SEC("syscall")
int sign_extend(void *ctx)
{
	volatile int __arena *p = bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0);

	if (!p)
		return 1;
	*p = -5;
	value = *p;
	return value == -5 ? 0 : 2;
}
