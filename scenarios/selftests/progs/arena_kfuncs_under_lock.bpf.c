/* Equivalent of the upstream verifier_arena.c arena_kfuncs_under_bpf_lock (written for this
 * project): the arena kfuncs called while a bpf_spin_lock is held. The lock lives in a global-data
 * section of its own, so its internal map's BTF value record has a struct bpf_spin_lock there; under
 * the lock the program reserves the arena's first page, frees it, allocates one page anywhere and
 * frees that, and returns 0 when reserve and alloc succeeded. Kernels whose arena kfuncs are not
 * KF_SPINLOCK_SAFE refuse the program at the first call under the lock. */
#include "bpf_arena.h"

#define BASE 0x100000000000ULL

struct bpf_spin_lock {
	u32 val;
};

/* BPF_FUNC_spin_lock and BPF_FUNC_spin_unlock (include/uapi/linux/bpf.h) */
static void (*bpf_spin_lock)(struct bpf_spin_lock *lock) = (void *)93;
static void (*bpf_spin_unlock)(struct bpf_spin_lock *lock) = (void *)94;

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 2);
} arena SEC(".maps");

static struct bpf_spin_lock kfunc_lock SEC(".bss.locks") __attribute__((aligned(8)));

SEC("syscall")
int kfuncs_under_lock(void *ctx)
{
	char __arena *page = (char __arena *)BASE;

	bpf_spin_lock(&kfunc_lock);
	if (bpf_arena_reserve_pages(&arena, page, 1)) {
		bpf_spin_unlock(&kfunc_lock);
		return 1;
	}
	bpf_arena_free_pages(&arena, page, 1);
	page = bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0);
	if (!page) {
		bpf_spin_unlock(&kfunc_lock);
		return 2;
	}
	bpf_arena_free_pages(&arena, page, 1);
	bpf_spin_unlock(&kfunc_lock);
	return 0;
}

char _license[] SEC("license") = "GPL";
