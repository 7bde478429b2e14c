/* The arena_htab equivalent built the way the upstream arena_htab_asm selftest is: with
 * BPF_ARENA_FORCE_ASM, arena pointers are plain pointers to clang and every address-space cast is
 * the program's own inline-asm addr_space_cast (bpf_arena_common.h), not one LLVM inserts. */
#define BPF_ARENA_FORCE_ASM
#include "arena_htab.bpf.c"
