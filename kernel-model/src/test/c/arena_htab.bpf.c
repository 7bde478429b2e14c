/* Selftest 12-4 (progs/arena_htab.c, docs/scenario-catalogue.md#12-4-arena_htab): a hash table in a
 * 100-page arena built with the page_frag allocator; keys 0..999 inserted twice (the second pass
 * replaces every element), the table published to user space through a cast_user'd pointer in .bss. */
#include "bpf_arena_common.h"

ARENA_MAP(arena, 100, 0);

#include "arena_alloc.h"

#define N_BUCKETS 128

struct htab_elem {
	struct htab_elem __arena *next;
	int key;
	int value;
};

struct htab {
	struct htab_elem __arena * __arena *buckets;
	int n_buckets;
};

struct htab __arena *htab_for_user; /* .bss */
int nr_inserted;                      /* .bss */

static __noinline int htab_update(struct htab __arena *htab, int key, int value)
{
	struct htab_elem __arena * __arena *bucket = &htab->buckets[key & (N_BUCKETS - 1)];
	struct htab_elem __arena *old = *bucket, *prev = 0, *e;

	for (int i = 0; old && i < 4096; i++) {
		if (old->key == key)
			break;
		prev = old;
		old = old->next;
	}
	e = bpf_alloc(sizeof(*e));
	if (!e)
		return -1;
	e->key = key;
	e->value = value;
	if (old) {
		e->next = old->next;
		if (prev)
			prev->next = e;
		else
			*bucket = e;
		bpf_free(old);
	} else {
		e->next = *bucket;
		*bucket = e;
	}
	return 0;
}

SEC("syscall")
int arena_htab_llvm(void *ctx)
{
	struct htab __arena *htab = bpf_alloc(sizeof(*htab));

	if (!htab)
		return 1;
	htab->buckets = bpf_alloc(N_BUCKETS * sizeof(void __arena *));
	if (!htab->buckets)
		return 2;
	htab->n_buckets = N_BUCKETS;
	for (int i = 0; i < N_BUCKETS; i++)
		htab->buckets[i] = 0;
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < 1000; i++) {
			if (htab_update(htab, i, i))
				return 3;
			nr_inserted++;
		}
	htab_for_user = htab;
	return 0;
}

char _license[] SEC("license") = "GPL";
