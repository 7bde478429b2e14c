/* End-to-end corpus program for an arena with BPF_F_SEGV_ON_FAULT: BPF builds an 8-node list (one
 * page per node, node i holds i + 1) whose last next pointer is deliberately broken: it points
 * four pages past the last node, at a page nobody allocated. A user walk follows the list through
 * the populated pages and then touches that page, which the fault handler refuses (SIGSEGV). */
#include "arena_page_list.h"

#define BPF_F_SEGV_ON_FAULT (1U << 17)
#define NODES 8

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE | BPF_F_SEGV_ON_FAULT);
	__uint(max_entries, 16);
} arena SEC(".maps");

SEC("syscall")
int build_broken_list(void *ctx)
{
	struct node __arena *last = build_page_list(&arena, NODES);

	if (!last)
		return -1;
	last->next = (struct node __arena *)((char __arena *)last + 4 * PAGE_SIZE);
	return NODES;
}
