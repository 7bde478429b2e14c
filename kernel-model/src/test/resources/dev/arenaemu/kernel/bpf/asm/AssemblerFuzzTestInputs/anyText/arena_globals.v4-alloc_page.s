r1 = map_value[.bss + 0x0] ll
r2 = *(u64 *)(r1 + 0x0)
r1 = map[arena] ll
w3 = 0x1
w4 = -0x1
r5 = 0x0
call bpf_arena_alloc_pages
r1 = map_value[.bss + 0x8] ll
*(u64 *)(r1 + 0x0) = r0
w0 = 0x0
exit
