/* Equivalent of the upstream arena_htab selftest (written for this project, with its own hash
 * table and allocator): build_htab inserts keys 0..999 (value = key) into a 64-bucket chained
 * hash table in the arena, then inserts them all again, each second insert replacing (and
 * freeing) the element of the first, and returns the number of live elements. The bucket array
 * is the program's first page, which user code walks natively (the scenario's lookup). Elements come from a page-fragment allocator:
 * 32-byte objects carved upwards from pages of bpf_arena_alloc_pages, the first 8 bytes of each
 * page counting its live objects; a page goes back to the arena when its count drops to 0. */
#include "bpf_arena.h"

#define NB 64
#define KEYS 1000
#define OBJ 32

struct elem {
	struct elem __arena *next;
	u64 key;
	u64 value;
};

ARENA_MAP(arena, 100, 0);

/* Plain globals (.bss), as the selftest keeps its htab pointer: no __arena globals, so nothing
 * of libbpf's lands in the arena. */
struct elem __arena *__arena *htab;
char __arena *cur_page;
u64 cur_off;
u64 live_elems;

#include "page_frag.h"

static __always_inline struct elem __arena *obj_alloc(void)
{
	struct elem __arena *o = frag_alloc(OBJ);

	if (o)
		live_elems++;
	return o;
}

static __always_inline void obj_free(struct elem __arena *o)
{
	live_elems--;
	frag_free(o);
}

/* Insert or replace: the new element goes to the bucket's head, an old one with the key is
 * unlinked and freed. Pointers stored in the table are user addresses (what the scenario's user
 * code walks); the k-suffixed copies are the kernel's form for the dereferences (the same value
 * unless BPF_ARENA_FORCE_ASM). */
static __always_inline int update(u64 key, u64 value)
{
	struct elem __arena *__arena *bucket = htab + (key & (NB - 1));
	struct elem __arena *n = obj_alloc(), *nk, *prev, *e;
	int k;

	if (!n)
		return -1;
	cast_kern(bucket);
	nk = n;
	cast_kern(nk);
	nk->key = key;
	nk->value = value;
	nk->next = *bucket;
	*bucket = n;
	prev = nk;
	e = nk->next;
	for (k = 0; k < KEYS && e; k++) {
		cast_kern(e);
		if (e->key == key) {
			prev->next = e->next;
			obj_free(e);
			break;
		}
		prev = e;
		e = e->next;
	}
	return 0;
}

SEC("syscall")
int build_htab(void *ctx)
{
	struct elem __arena *__arena *buckets;
	int pass, i;

	buckets = bpf_arena_alloc_pages(&arena, 0, 1, NUMA_NO_NODE, 0);
	if (!buckets)
		return -1;
	cast_user(buckets);
	htab = buckets;
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < KEYS; i++)
			if (update(i, i))
				return -2;
	return live_elems;
}
