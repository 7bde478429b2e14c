/* Single-thread equivalent of the upstream arena_spin_lock selftest (written for this project,
 * with its own lock): the selftest runs a program on N pinned threads, each taking a spin lock
 * that lives in arena memory `repeat` times around a critical section of 1, 1000 or 50000 steps
 * that bumps a shared counter; the counter must end at repeat * N. Here one CPU runs each
 * program several times in a row: the lock is a test-and-set word taken with cmpxchg and given
 * back with cmpxchg, the counter and the lock are __arena globals, and every run must find the
 * lock free and leave it free. The interleavings of several CPUs are for the interleavings issue. */
#include "bpf_arena.h"

ARENA_MAP(arena, 100, 0);

u64 __arena lock = 0;
u64 __arena counter = 0;
u64 __arena busy = 0;

#define SPINS 1000

static __always_inline int take(void)
{
	int k;

	for (k = 0; k < SPINS; k++)
		if (__sync_val_compare_and_swap(&lock, 0, 1) == 0)
			return 0;
	return -1;
}

static __always_inline int give(void)
{
	return __sync_val_compare_and_swap(&lock, 1, 0) == 1 ? 0 : -1;
}

static __always_inline int run(int repeat, int cs)
{
	int i, j;

	for (i = 0; i < repeat; i++) {
		if (take())
			return -1;
		counter++;
		for (j = 0; j < cs; j++)
			busy += j;
		if (give())
			return -2;
	}
	return counter;
}

/* The three critical-section lengths of the selftest, one after the other. */
SEC("socket")
int contend(void *ctx)
{
	if (run(100, 1) < 0)
		return -1;
	if (run(10, 1000) < 0)
		return -2;
	return run(1, 50000);
}
