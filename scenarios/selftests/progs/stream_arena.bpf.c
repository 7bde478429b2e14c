/* Equivalent of the arena fault reports of the upstream stream selftest (written for this
 * project): each program touches user_vm_start + 0xbeef, a page nobody allocated, with a load,
 * a store, an xchg and a cmpxchg. The JIT's exception-table fixup lets the program go on (a load
 * reads 0, a store is dropped) and, from v6.18 on, the kernel writes "ERROR: Arena READ|WRITE
 * access at unmapped address <user address>" to the program's BPF stderr stream. The arena is
 * placed at 1 << 44 (map_extra), so user_vm_start is a constant here. */
#include "bpf_arena.h"

#define BASE 0x100000000000ULL
#define FAULT_ADDR (BASE + 0xbeef)

ARENA_MAP(arena, 100, 0);

/* The selftest reads user_vm_start through &arena, which also associates the program with the
 * arena (an addr_space_cast needs that); here the map's address only goes into a register. */
#define USE_ARENA() asm volatile("" : : "r"(&arena))

SEC("syscall")
int arena_write_fault(void *ctx)
{
	USE_ARENA();
	*(volatile u32 __arena *)FAULT_ADDR = 1;
	return 0;
}

SEC("syscall")
int arena_read_fault(void *ctx)
{
	USE_ARENA();
	return *(volatile u32 __arena *)FAULT_ADDR;
}

SEC("syscall")
int arena_xchg_fault(void *ctx)
{
	USE_ARENA();
	return __sync_lock_test_and_set((u64 __arena *)FAULT_ADDR, 5);
}

SEC("syscall")
int arena_cmpxchg_fault(void *ctx)
{
	USE_ARENA();
	return __sync_val_compare_and_swap((u64 __arena *)FAULT_ADDR, 0, 7);
}
