/* Negative input for the ELF loader: a global-data section with two struct bpf_spin_lock, which
 * the kernel refuses in one map value. */
#include "bpf_arena_common.h"

struct bpf_spin_lock {
	unsigned int val;
};

struct bpf_spin_lock first SEC(".bss.two");
struct bpf_spin_lock second SEC(".bss.two");

SEC("syscall")
int count(void *ctx)
{
	return 0;
}

char _license[] SEC("license") = "GPL";
