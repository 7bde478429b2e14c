/* The corpus programs' stand-in for bpf_helpers.h + bpf_arena_common.h (no libbpf headers are
 * installed): the project's one header for BPF C programs, which arena-emu puts on clang's include
 * path (it ships in kernel-model's jar). selftests/progs/bpf_arena.h includes this one. */
#ifndef CORPUS_BPF_ARENA_H
#define CORPUS_BPF_ARENA_H

#include "bpf_arena_common.h"

#endif
