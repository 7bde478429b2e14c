/* Self-written minimal replacement for bpf_helpers.h + bpf_arena_common.h (no libbpf headers
 * are installed), for every BPF C program of the project: kernel-model's test programs, the
 * scenario corpus and the selftest equivalents. It ships in kernel-model's jar; arena-emu puts it
 * on clang's include path for the C programs of scenarios (ClangCommand), the tests put this
 * folder there. The map-definition macros follow the BTF encoding libbpf expects:
 * __uint(name, N) is a pointer to an array of N ints, __ulong(name, N) an anonymous enum whose
 * single enumerator is N (clang emits ENUM64 when N needs more than 32 bits). */
#ifndef BPF_ARENA_COMMON_H
#define BPF_ARENA_COMMON_H

#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define ___concat(a, b) a##b
#define __concat(a, b) ___concat(a, b)
#define __ulong(name, val) enum { __concat(__unique_value, __COUNTER__) = val } name
#define __ksym __attribute__((section(".ksyms")))
#define __weak __attribute__((weak))
#define __noinline __attribute__((noinline))
/* a global function parameter the verifier types as an arena pointer (btf_decl_tag "arg:arena") */
#define __arg_arena __attribute__((btf_decl_tag("arg:arena")))
#define __always_inline inline __attribute__((always_inline))

#define BPF_MAP_TYPE_ARENA 33
#define BPF_F_MMAPABLE (1U << 10)
#define BPF_F_NO_USER_CONV (1U << 18)
#define NUMA_NO_NODE (-1)
#define PAGE_SIZE 4096
#define __PAGE_SIZE PAGE_SIZE

#define __arena_global __attribute__((address_space(1)))
#ifndef BPF_ARENA_FORCE_ASM
/* clang with __BPF_FEATURE_ADDR_SPACE_CAST inserts addr_space_cast itself */
#define __arena __attribute__((address_space(1)))
#define cast_kern(ptr) /* emitted by LLVM */
#define cast_user(ptr) /* emitted by LLVM */
#else
/* The program places the casts itself (as the upstream *_asm selftests do): arena pointers are
 * plain pointers to clang, and each cast is one instruction of clang's BPF assembly that converts
 * the variable in place. cast_kern (as1 -> as0) before a dereference makes the register an arena
 * pointer the JIT rebases; cast_user (as0 -> as1) before a pointer is stored gives it the user
 * address user space walks. */
#define __arena
#define bpf_addr_space_cast(var, dst_as, src_as) \
	asm volatile("%[reg] = addr_space_cast(%[reg], " #dst_as ", " #src_as ")" : [reg] "+r"(var))
#define cast_kern(ptr) bpf_addr_space_cast(ptr, 0, 1)
#define cast_user(ptr) bpf_addr_space_cast(ptr, 1, 0)
#endif

typedef unsigned long long __u64;
typedef unsigned int __u32;
typedef unsigned short __u16;
typedef unsigned char __u8;
typedef long long __s64;
typedef int __s32;

/* An arena map of PAGES pages as libbpf's BTF map definitions declare it; MAP_EXTRA fixes its user
 * address (0: the first mmap picks it). */
#define ARENA_MAP(name, pages, map_extra_value)		\
	struct {					\
		__uint(type, BPF_MAP_TYPE_ARENA);		\
		__uint(map_flags, BPF_F_MMAPABLE);		\
		__uint(max_entries, pages);		\
		__ulong(map_extra, map_extra_value);	\
	} name SEC(".maps")

void __arena *bpf_arena_alloc_pages(void *map, void __arena *addr, __u32 page_cnt, int node_id, __u64 flags) __ksym __weak;
void bpf_arena_free_pages(void *map, void __arena *ptr, __u32 page_cnt) __ksym __weak;
int bpf_arena_reserve_pages(void *map, void __arena *addr, __u32 page_cnt) __ksym __weak;

#endif
