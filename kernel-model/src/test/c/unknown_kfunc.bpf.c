/* Negative input for the ELF loader: an extern kfunc this kernel does not export. */
#include "bpf_arena_common.h"

int bpf_no_such_kfunc(int x) __ksym __weak;

SEC("syscall")
int calls_unknown_kfunc(void *ctx)
{
	return bpf_no_such_kfunc(1);
}

char _license[] SEC("license") = "GPL";
