/* Minimal stand-in for bpf_helpers.h + bpf_arena_common.h (no libbpf headers installed), for the
 * corpus programs and, through selftests/progs/bpf_arena.h, the selftest equivalents. The map macros follow the BTF encoding libbpf reads: __uint(name, N) is a
 * pointer to an array of N ints. */
#ifndef CORPUS_BPF_ARENA_H
#define CORPUS_BPF_ARENA_H

#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int (*name)[val]
#define __ksym __attribute__((section(".ksyms")))
#define __weak __attribute__((weak))
#define __arena __attribute__((address_space(1)))
#define __always_inline inline __attribute__((always_inline))

#define BPF_MAP_TYPE_ARENA 33
#define BPF_F_MMAPABLE (1U << 10)
#define NUMA_NO_NODE (-1)
#define PAGE_SIZE 4096

typedef unsigned long long __u64;
typedef unsigned int __u32;

void __arena *bpf_arena_alloc_pages(void *map, void __arena *addr, __u32 page_cnt, int node_id, __u64 flags) __ksym __weak;
void bpf_arena_free_pages(void *map, void __arena *ptr, __u32 page_cnt) __ksym __weak;
int bpf_arena_reserve_pages(void *map, void __arena *addr, __u32 page_cnt) __ksym __weak;

#endif
