/* End-to-end corpus program: BPF builds a singly linked list in the arena that user code walks
 * natively. Each node is a page of its own, allocated with bpf_arena_alloc_pages; its next
 * pointer is the user address the kfunc returned (a PTR_TO_ARENA keeps user_vm_start's upper 32
 * bits; only the JIT's PROBE_MEM32 accesses rebase it onto kern_vm_start), so a CPL3 walker
 * follows it through its own mapping. */
#include "arena_page_list.h"

#define NODES 128

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, NODES);
} arena SEC(".maps");

/* Returns the number of nodes linked (NODES), or -1 when an allocation fails. The head is the
 * first page allocated (base on a fresh arena); node i holds value i + 1. */
SEC("syscall")
int build_list(void *ctx)
{
	if (!build_page_list(&arena, NODES))
		return -1;
	return NODES;
}
