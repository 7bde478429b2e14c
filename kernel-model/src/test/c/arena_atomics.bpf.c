/* Selftest 12-6 (progs/arena_atomics.c, docs/scenario-catalogue.md#12-6-arena_atomics): every
 * atomic on arena memory with the selftest's values. The selftest's raw_tp programs are syscall
 * programs here (the trigger is the caller's job). */
#include "bpf_arena_common.h"

ARENA_MAP(arena, 10, 1ull << 44);

__u64 __arena add64_value = 1;
__u64 __arena add64_result;
__u32 __arena add32_value = 1;
__u32 __arena add32_result;
__u64 __arena add_stack_value_copy;
__u64 __arena add_stack_result;
__u64 __arena add_noreturn_value = 1;

__s64 __arena sub64_value = 1;
__s64 __arena sub64_result;
__s32 __arena sub32_value = 1;
__s32 __arena sub32_result;

__u64 __arena and64_value = (0x110ull << 32);
__u32 __arena and32_value = 0x110;
__u64 __arena or64_value = (0x110ull << 32);
__u32 __arena or32_value = 0x110;
__u64 __arena xor64_value = (0x110ull << 32);
__u32 __arena xor32_value = 0x110;

__u64 __arena cmpxchg64_value = 1;
__u64 __arena cmpxchg64_result_fail;
__u64 __arena cmpxchg64_result_succeed;
__u32 __arena cmpxchg32_value = 1;
__u32 __arena cmpxchg32_result_fail;
__u32 __arena cmpxchg32_result_succeed;

__u64 __arena xchg64_value = 1;
__u64 __arena xchg64_result;
__u32 __arena xchg32_value = 1;
__u32 __arena xchg32_result;

SEC("syscall")
int add(void *ctx)
{
	__u64 add_stack_value = 1;

	add64_result = __sync_fetch_and_add(&add64_value, 2);
	add32_result = __sync_fetch_and_add(&add32_value, 2);
	add_stack_result = __sync_fetch_and_add(&add_stack_value, 2);
	add_stack_value_copy = add_stack_value;
	__sync_fetch_and_add(&add_noreturn_value, 2);
	return 0;
}

/* sub and xchg: each applies its atomic with operand 2 to the 64- and 32-bit value and keeps
 * what it returned */
#define FETCH_PROG(op, atomic)						\
	SEC("syscall")							\
	int op(void *ctx)						\
	{								\
		op##64_result = atomic(&op##64_value, 2);		\
		op##32_result = atomic(&op##32_value, 2);		\
		return 0;						\
	}

FETCH_PROG(sub, __sync_fetch_and_sub)

/* and, or, xor with the selftest's operands (0x011 into the high word of the 64-bit value, into
 * the 32-bit value). Results unused: clang emits the non-fetch forms, which the x86 JIT supports. */
#define BITWISE_PROG(op)						\
	SEC("syscall")							\
	int op(void *ctx)						\
	{								\
		__sync_fetch_and_##op(&op##64_value, 0x011ull << 32);	\
		__sync_fetch_and_##op(&op##32_value, 0x011);		\
		return 0;						\
	}

BITWISE_PROG(and)
BITWISE_PROG(or)
BITWISE_PROG(xor)

SEC("syscall")
int cmpxchg(void *ctx)
{
	cmpxchg64_result_fail = __sync_val_compare_and_swap(&cmpxchg64_value, 0, 3);
	cmpxchg64_result_succeed = __sync_val_compare_and_swap(&cmpxchg64_value, 1, 2);
	cmpxchg32_result_fail = __sync_val_compare_and_swap(&cmpxchg32_value, 0, 3);
	cmpxchg32_result_succeed = __sync_val_compare_and_swap(&cmpxchg32_value, 1, 2);
	return 0;
}

FETCH_PROG(xchg, __sync_lock_test_and_set)

/* Spec scenario 27: the fetch form of and needs a cmpxchg loop the x86 JIT does not emit for
 * arena pointers, so the verifier rejects it (bpf_jit_supports_insn(insn, true) == false). */
SEC("syscall")
int and_fetch_rejected(void *ctx)
{
	and64_value = 0x110ull << 32;
	return __sync_fetch_and_and(&and64_value, 0x011ull << 32) != 0;
}

char _license[] SEC("license") = "GPL";
