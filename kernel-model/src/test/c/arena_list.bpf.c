/* Selftest 12-5 (prog_tests/arena_list.c, docs/scenario-catalogue.md#12-5-arena_list): a list in
 * arena memory whose links are user-visible pointers, walked natively by user space after
 * arena_list_add ran. */
#include "bpf_arena_common.h"

ARENA_MAP(arena, 100, 1ull << 44);

#include "arena_alloc.h"

struct elem {
	struct elem __arena *next;
	long value;
};

struct arena_list_head {
	struct elem __arena *first;
};

struct arena_list_head __arena *list_head; /* .bss, read by user space */
int cnt;                                    /* .bss, set by user space */
long list_sum;                              /* .bss */
long __arena arena_sum;                     /* .addr_space.1 */
int __arena test_val = 1;                   /* .addr_space.1, initial image 1 */
struct arena_list_head __arena global_head; /* .addr_space.1 */

SEC("syscall")
int arena_list_add(void *ctx)
{
	list_head = &global_head;
	for (long i = 0; i < cnt && i < 100000; i++) {
		struct elem __arena *n = bpf_alloc(sizeof(*n));

		if (!n)
			return 1;
		test_val++;
		n->value = i;
		arena_sum += i;
		n->next = list_head->first;
		list_head->first = n;
	}
	return 0;
}

SEC("syscall")
int arena_list_del(void *ctx)
{
	struct elem __arena *n = list_head->first;
	long sum = 0;

	for (int i = 0; n && i < 100000; i++) {
		struct elem __arena *next = n->next;

		sum += n->value;
		bpf_free(n);
		n = next;
	}
	list_head->first = 0;
	list_sum = sum;
	return 0;
}

char _license[] SEC("license") = "GPL";
