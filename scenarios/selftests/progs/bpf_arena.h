/* The corpus's stand-in for bpf_helpers.h + bpf_arena_common.h (corpus/progs/bpf_arena.h), plus
 * the kernel-style type names the project-written equivalents of the upstream arena selftests
 * (scenarios/selftests) use. */
#ifndef SELFTESTS_BPF_ARENA_H
#define SELFTESTS_BPF_ARENA_H

#include "../../corpus/progs/bpf_arena.h"

typedef unsigned long long u64;
typedef unsigned int u32;
typedef _Bool bool;

#endif
