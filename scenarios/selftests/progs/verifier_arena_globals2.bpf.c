/* Equivalent of the upstream verifier_arena_globals2 selftest (written for this project): a
 * 32-page arena filled completely with __arena globals, all populated by libbpf's copy of their
 * initial image, so not even the first page can be reserved. */
#include "bpf_arena.h"

#define ARENA_PAGES 32

ARENA_MAP(arena, ARENA_PAGES, 0);

unsigned char __arena globals[ARENA_PAGES][PAGE_SIZE] = { { 1 } };

SEC("syscall")
int check_reserve(void *ctx)
{
	if (!bpf_arena_reserve_pages(&arena, &globals[0][0], 1))
		return 1;
	if (!bpf_arena_reserve_pages(&arena, &globals[ARENA_PAGES - 1][0], 1))
		return 2;
	globals[ARENA_PAGES - 1][PAGE_SIZE - 1] = 7;
	if (globals[ARENA_PAGES - 1][PAGE_SIZE - 1] != 7 || globals[0][0] != 1)
		return 3;
	return 0;
}
