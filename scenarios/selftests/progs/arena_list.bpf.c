/* Equivalent of the upstream arena_list selftest (written for this project, with its own
 * allocator): list_add_N links N elements (value i) at the head of a list whose head lives in an
 * __arena global, adds each value to the __arena global arena_sum and bumps test_val (initially
 * 1); user code then walks the list natively. list_del walks it, sums the values, unlinks and
 * frees every element, and returns the sum. Elements come from a small page-fragment allocator:
 * 16-byte objects carved upwards from pages of bpf_arena_alloc_pages, the first 8 bytes of each
 * page counting its live objects; the page goes back to the arena when the count drops to 0. */
#include "bpf_arena.h"

struct node {
	struct node __arena *next;
	u64 value;
};

ARENA_MAP(arena, 100, 0);

struct node __arena *__arena head;
u64 __arena arena_sum;
int __arena test_val = 1;
char __arena *__arena cur_page;
u64 __arena cur_off;

#define OBJ 16

#include "page_frag.h"

static __always_inline struct node __arena *obj_alloc(void)
{
	return frag_alloc(OBJ);
}

static __always_inline void obj_free(struct node __arena *o)
{
	frag_free(o);
}

static __always_inline int list_add(int cnt)
{
	int i;

	for (i = 0; i < cnt; i++) {
		struct node __arena *n = obj_alloc();

		if (!n)
			return -1;
		n->value = i;
		n->next = head;
		head = n;
		arena_sum += i;
		test_val++;
	}
	return 0;
}

SEC("syscall")
int list_add_1(void *ctx)
{
	return list_add(1);
}

SEC("syscall")
int list_add_1000(void *ctx)
{
	return list_add(1000);
}

SEC("syscall")
int list_del(void *ctx)
{
	struct node __arena *n = head;
	u64 sum = 0;
	int i;

	for (i = 0; i < 2000 && n; i++) {
		struct node __arena *next = n->next;

		sum += n->value;
		head = next;
		obj_free(n);
		n = next;
	}
	return sum;
}

/* What user space reads through the skeleton: the head's low 32 bits, arena_sum, test_val. */
SEC("syscall")
int get_head(void *ctx)
{
	return (u32)(u64)head;
}

SEC("syscall")
int get_sum(void *ctx)
{
	return arena_sum;
}

SEC("syscall")
int get_test_val(void *ctx)
{
	return test_val;
}
