/* Exercises many instruction kinds so the disassembler can be compared with llvm-objdump-19. */
#include "bpf_arena_common.h"

long long g64;
int g32;
short g16;
signed char g8;

SEC("syscall")
int isa_coverage(void *ctx)
{
	long long a = g64, r = 0;
	int b = g32;

	r += (long long)a / (b | 1);               /* sdiv (off = 1) */
	r += a % 7;                                 /* smod */
	r += (unsigned long long)a / 3u;            /* udiv */
	r += (long long)g16 + (long long)g8;        /* movsx loads */
	r += (int)(short)b;                         /* movsx reg */
	r += __builtin_bswap64(a) ^ __builtin_bswap32(b) ^ __builtin_bswap16((short)b);
	r += a >> 3;
	r += (unsigned long long)a >> (b & 31);
	r -= -a;
	__sync_fetch_and_add(&g64, 1);
	r += __sync_fetch_and_add(&g64, 2);
	r += __sync_fetch_and_or(&g64, 4);
	r += __sync_fetch_and_and(&g64, 8);
	r += __sync_fetch_and_xor(&g64, 16);
	__sync_fetch_and_or(&g32, 4);
	__sync_fetch_and_xor(&g32, 4);
	r += __sync_fetch_and_add(&g32, 2);
	r += __sync_lock_test_and_set(&g64, 5);
	r += __sync_lock_test_and_set(&g32, 5);
	r += __sync_val_compare_and_swap(&g64, 5, 6);
	r += __sync_val_compare_and_swap(&g32, 5, 6);
	for (int i = 0; i < b && i < 16; i++)
		r += i * a;
	if ((int)r > 100)
		return 1;
	return r & 0xff;
}

char _license[] SEC("license") = "GPL";
