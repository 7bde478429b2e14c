/* The corpus's page-per-node list in an arena (list_build, list_segv): node i of n holds i + 1,
 * each node is a page of its own from bpf_arena_alloc_pages, and its next pointer is the user
 * address the kfunc returned. */
#ifndef CORPUS_ARENA_PAGE_LIST_H
#define CORPUS_ARENA_PAGE_LIST_H

#include "bpf_arena.h"

struct node {
	struct node __arena *next;
	__u64 value;
};

/* Allocates and links n nodes in order; returns the last one, or 0 when an allocation fails. */
static __always_inline struct node __arena *build_page_list(void *map, int n)
{
	struct node __arena *prev = 0;
	int i;

	for (i = 0; i < n; i++) {
		struct node __arena *node = bpf_arena_alloc_pages(map, 0, 1, NUMA_NO_NODE, 0);

		if (!node)
			return 0;
		node->value = i + 1;
		node->next = 0;
		if (prev)
			prev->next = node;
		prev = node;
	}
	return prev;
}

#endif
