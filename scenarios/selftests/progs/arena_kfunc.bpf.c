/* Equivalent of the upstream arena_kfunc and arena_kfunc_jit selftests (written for this project):
 * kfuncs of the test module whose parameters are __arena (rebased by the JIT to kern_vm_start +
 * lo32) or __arena__nullable (a zero lo32 stays NULL). The arena sits at 1 << 44 + 1 MiB, so no
 * arena address has zero low 32 bits. */
#include "bpf_arena.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 2);
} arena SEC(".maps");

u64 bpf_kfunc_arena_arg_test(u64 *p__arena) __ksym;
u64 bpf_kfunc_arena_cap_test(u64 *p__arena) __ksym;
u64 bpf_kfunc_arena_cap_nullable_test(u64 *p__arena__nullable) __ksym;
u64 bpf_kfunc_arena_args5_test(u64 *a__arena, u64 *b__arena, u64 *c__arena, u64 *d__arena,
			       u64 *e__arena__nullable) __ksym;
u64 bpf_kfunc_arena_mixed_test(u64 *p__arena, u64 *q__arena__nullable) __ksym;

/* a global the compiler must reload, so values reach the kfuncs as plain scalars */
volatile u64 stash;

static __always_inline u64 __arena *one_page(void)
{
	return bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0);
}

/* A test that gets a freshly allocated page in val and frees it afterwards (1: no page). */
#define PAGE_TEST(name)							\
static __always_inline int name##_body(u64 __arena *val);		\
SEC("syscall")								\
int name(void *ctx)							\
{									\
	u64 __arena *val = one_page();					\
	int ret;							\
									\
	if (!val)							\
		return 1;						\
	ret = name##_body(val);						\
	bpf_arena_free_pages(&arena, val, 1);				\
	return ret;							\
}									\
static __always_inline int name##_body(u64 __arena *val)

/* val[i] = 2^i for five values, then args5 over them (the fifth, nullable, only if with_last) */
static __always_inline u64 powers_summed(u64 __arena *val, int with_last)
{
	for (int i = 0; i < 5; i++)
		val[i] = 1ULL << i;
	return bpf_kfunc_arena_args5_test((u64 *)&val[0], (u64 *)&val[1], (u64 *)&val[2], (u64 *)&val[3],
					  with_last ? (u64 *)&val[4] : 0);
}

/* the three forms an argument may take: arena pointer, low 32 bits, full user address */
PAGE_TEST(arena_arg_forms)
{
	u64 user = (u64)val;

	*val = 41;
	if (bpf_kfunc_arena_arg_test((u64 *)val) != 41 || *val != 42)
		return 2;
	stash = (u32)(u64)val;
	if (bpf_kfunc_arena_arg_test((u64 *)stash) != 42 || *val != 43)
		return 3;
	asm volatile("%0 = addr_space_cast(%0, 0x1, 0x0)" : "+r"(user));
	stash = user;
	if (bpf_kfunc_arena_arg_test((u64 *)stash) != 43 || *val != 44)
		return 4;
	return 0;
}

/* what the kfunc receives: kern_vm_start + lo32, and NULL for a nullable zero lo32 */
PAGE_TEST(arena_arg_rebase)
{
	u64 base = bpf_kfunc_arena_cap_test(0), off = (u32)(u64)val;

	if (base >> 32 == 0)		/* a kernel address */
		return 2;
	stash = 0xbadc0ffe00000000ULL;
	if (bpf_kfunc_arena_cap_test((u64 *)stash) != base)
		return 3;
	if (bpf_kfunc_arena_cap_test((u64 *)val) != base + off)
		return 4;
	if (bpf_kfunc_arena_cap_nullable_test(0) != 0)
		return 5;
	stash = 0xbadc0ffe00000000ULL;
	if (bpf_kfunc_arena_cap_nullable_test((u64 *)stash) != 0)
		return 6;
	if (bpf_kfunc_arena_cap_nullable_test((u64 *)val) != base + off)
		return 7;
	return 0;
}

PAGE_TEST(arena_args5)
{
	if (powers_summed(val, 1) != 31)
		return 2;
	if (powers_summed(val, 0) != 15)
		return 3;
	return 0;
}

PAGE_TEST(arena_arg_mixed)
{
	val[0] = 7;
	val[1] = 5;
	if (bpf_kfunc_arena_mixed_test((u64 *)&val[0], 0) != 7)
		return 2;
	if (bpf_kfunc_arena_mixed_test((u64 *)&val[0], (u64 *)&val[1]) != 12)
		return 3;
	return 0;
}

/* the kfunc reads the page after the allocated one, which nobody populated */
PAGE_TEST(arena_arg_unpopulated)
{
	stash = (u64)val + PAGE_SIZE;
	bpf_kfunc_arena_arg_test((u64 *)stash);
	return 0;
}

SEC("syscall")
int arena_arg_no_arena(void *ctx)
{
	bpf_kfunc_arena_arg_test((u64 *)1);
	return 0;
}

SEC("syscall")
int arena_arg_bad_reg(void *ctx)
{
	u64 buf = 0;

	one_page();
	bpf_kfunc_arena_arg_test(&buf);
	return 0;
}

/* arena_kfunc_jit: the rebase sequences the x86-64 JIT emits before these calls */
SEC("syscall")
int arena_arg_jit_rebase(void *ctx)
{
	stash = (u64)one_page();
	bpf_kfunc_arena_cap_test((u64 *)stash);
	return 0;
}

SEC("syscall")
int arena_arg_jit_nullable(void *ctx)
{
	stash = (u64)one_page();
	bpf_kfunc_arena_cap_nullable_test((u64 *)stash);
	return 0;
}

PAGE_TEST(arena_arg_jit_args5)
{
	return powers_summed(val, 1) != 31;
}

char _license[] SEC("license") = "GPL";
