/* Equivalent of the upstream verifier_arena_globals1 selftest (written for this project): a 4 GiB
 * arena with 16 pages of __arena globals. Since the Dec 2025 libbpf (eras v7.0, latest) the
 * globals sit in the arena's last 16 pages and libbpf's copy of their initial image populates
 * them, so everything below them can be reserved and they cannot. */
#include "bpf_arena.h"

#define ARENA_PAGES (1 << 20)
#define ARENA_SIZE (1ULL << 32)
#define GLOBAL_PAGES 16

ARENA_MAP(arena, ARENA_PAGES, 0);

unsigned char __arena globals[GLOBAL_PAGES][PAGE_SIZE] = { { 1 } };

/* user_vm_start, from where libbpf put the globals: the last GLOBAL_PAGES pages */
#define ARENA_BASE ((u64)&globals[0][0] - (ARENA_SIZE - GLOBAL_PAGES * PAGE_SIZE))

SEC("syscall")
int check_reserve(void *ctx)
{
	int i;

	if (bpf_arena_reserve_pages(&arena, (void __arena *)ARENA_BASE, ARENA_PAGES - GLOBAL_PAGES))
		return 1;
	if (!bpf_arena_reserve_pages(&arena, &globals[0][0], 1))
		return 2;
	for (i = 0; i < GLOBAL_PAGES; i++)
		globals[i][8] = i + 1;
	for (i = 0; i < GLOBAL_PAGES; i++)
		if (globals[i][8] != i + 1)
			return 3;
	return 0;
}

/* A global written through its symbol reads back through a raw arena address: the byte 2048
 * bytes before the end of the arena is globals[15][2048]. */
SEC("syscall")
int check_relocation(void *ctx)
{
	globals[GLOBAL_PAGES - 1][2048] = 0x42;
	if (*(volatile unsigned char __arena *)(ARENA_BASE + ARENA_SIZE - 2048) != 0x42)
		return 1;
	return 0;
}
