/* The corpus programs' stand-in for bpf_helpers.h + bpf_arena_common.h (no libbpf headers are
 * installed): the one the kernel-model's test programs use (scenarios build on kernel-model, so
 * the corpus includes it from there). selftests/progs/bpf_arena.h includes this one. */
#ifndef CORPUS_BPF_ARENA_H
#define CORPUS_BPF_ARENA_H

#include "../../../kernel-model/src/test/c/bpf_arena_common.h"

#endif
