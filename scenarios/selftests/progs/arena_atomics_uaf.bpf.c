/* Equivalent of the upstream arena_atomics "uaf" subtest (written for this project): a page is
 * allocated and freed again, then every atomic runs on it. The kernel guarantees that nothing
 * crashes: each access faults on the unmapped page and the JIT's exception table skips the
 * instruction (registers keep their values; from v6.18 each fault is reported on the program's
 * stderr), so the program runs to its end. A counter in a volatile stack slot counts the atomics
 * still to come; the program returns it, 0 when every one of them completed.
 *
 * Upstream skips the subtest on x86-64 and arm64 because their JITs cannot do fetch-and, fetch-or
 * and fetch-xor on arena memory (bpf_jit_supports_insn), so the verifier refuses the program as
 * written: uaf_all_atomics is that program, expected to fail to load. uaf_x86 runs the 18 atomics
 * x86-64 supports (add, sub, and, or, xor without fetch; fetch-add, fetch-sub, cmpxchg, xchg; 32
 * and 64 bits). */
#include "bpf_arena.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 10);
} arena SEC(".maps");

/* one atomic, then one fewer to go */
#define STEP(expr) do { expr; left = left - 1; } while (0)

/* the nine atomics x86-64 does on arena memory, through pointer p */
#define X86_ATOMICS(p) do {						\
	STEP(sink = sink + __sync_fetch_and_add(p, 1));			\
	STEP(__sync_add_and_fetch(p, 1));				\
	STEP(sink = sink + __sync_fetch_and_sub(p, 1));			\
	STEP(__sync_sub_and_fetch(p, 1));				\
	STEP(__sync_and_and_fetch(p, 1));				\
	STEP(__sync_or_and_fetch(p, 1));				\
	STEP(__sync_xor_and_fetch(p, 1));				\
	STEP(sink = sink + __sync_val_compare_and_swap(p, 0, 1));	\
	STEP(sink = sink + __sync_lock_test_and_set(p, 1));		\
} while (0)

/* a page of the arena that was allocated and freed again (NULL if the allocation failed) */
static __always_inline void __arena *freed_page(void)
{
	void __arena *page = bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0);

	if (page)
		bpf_arena_free_pages(&arena, page, 1);
	return page;
}

SEC("syscall")
int uaf_x86(void *ctx)
{
	volatile u64 sink = 0;
	volatile int left = 18;
	void __arena *page = freed_page();
	u32 __arena *p32 = page;
	u64 __arena *p64 = page;

	if (!page)
		return -1;
	X86_ATOMICS(p32);
	X86_ATOMICS(p64);
	return left;
}

SEC("syscall")
int uaf_all_atomics(void *ctx)
{
	volatile u64 sink = 0;
	u32 __arena *p32 = freed_page();

	if (!p32)
		return -1;
	sink = sink + __sync_fetch_and_add(p32, 1);
	sink = sink + __sync_fetch_and_and(p32, 1);
	sink = sink + __sync_fetch_and_or(p32, 1);
	sink = sink + __sync_fetch_and_xor(p32, 1);
	return 0;
}

char _license[] SEC("license") = "GPL";
