/* Equivalents of the upstream progs/verifier_arena.c iterator tests (written for this project):
 * three sleepable bpf_map iterators hand a kernel pointer they read from their context to
 * bpf_arena_alloc_pages as its map argument. Only the verifier's answer is checked: a trusted
 * struct bpf_map (the iterated map, once NULL-checked) is accepted; a struct seq_file, or a
 * bpf_map reached through another kernel pointer (untrusted in a sleepable program), is not.
 *
 * There is no vmlinux.h here: the kernel structs are declared with only the fields the programs
 * read, at their x86-64 offsets (CONFIG_SECURITY on, as in distribution kernels), without
 * preserve_access_index, so clang bakes the offsets in and no CO-RE relocation is needed. The
 * verifier model describes the same fields (KernelStruct). */
#include "bpf_arena.h"

struct seq_file;

struct bpf_iter_meta {
	struct seq_file *seq;		/* 0 */
	u64 session_id;			/* 8 */
	u64 seq_num;			/* 16 */
};

struct bpf_map {
	const void *ops;		/* 0: const struct bpf_map_ops * */
	struct bpf_map *inner_map_meta;	/* 8 */
	void *security;			/* 16 */
	u32 map_type;			/* 24: enum bpf_map_type */
	u32 key_size;			/* 28 */
	u32 value_size;			/* 32 */
	u32 max_entries;		/* 36 */
};

/* the context of SEC("iter/bpf_map"): the arguments of the kernel's bpf_iter_bpf_map target */
struct bpf_iter__bpf_map {
	struct bpf_iter_meta *meta;	/* 0 */
	struct bpf_map *map;		/* 8: NULL after the last map */
};

ARENA_MAP(arena, 2, 0);

/* The iterated map is trusted; after the NULL check it is a struct bpf_map * the kfunc takes. */
SEC("iter.s/bpf_map")
int iter_maps1(struct bpf_iter__bpf_map *ctx)
{
	struct bpf_map *map = ctx->map;

	if (!map)
		return 0;
	bpf_arena_alloc_pages(map, 0, map->max_entries, NUMA_NO_NODE, 0);
	return 0;
}

/* A trusted pointer of the wrong struct: the seq_file the iterator writes to. */
SEC("iter.s/bpf_map")
int iter_maps2(struct bpf_iter__bpf_map *ctx)
{
	struct seq_file *seq = ctx->meta->seq;

	bpf_arena_alloc_pages((void *)seq, 0, 1, NUMA_NO_NODE, 0);
	return 0;
}

/* The right struct, but read through the map pointer in a sleepable program: untrusted. */
SEC("iter.s/bpf_map")
int iter_maps3(struct bpf_iter__bpf_map *ctx)
{
	struct bpf_map *map = ctx->map;

	if (!map)
		return 0;
	bpf_arena_alloc_pages(map->inner_map_meta, 0, map->max_entries, NUMA_NO_NODE, 0);
	return 0;
}

char _license[] SEC("license") = "GPL";
