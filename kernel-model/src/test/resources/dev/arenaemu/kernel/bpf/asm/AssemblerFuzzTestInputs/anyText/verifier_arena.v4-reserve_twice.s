w6 = 0x1
r1 = map[arena] ll
r2 = 0x1000ffffe000 ll
w3 = 0x1
call bpf_arena_reserve_pages
if w0 != 0x0 goto +0x9
r1 = map[arena] ll
r2 = 0x1000ffffe000 ll
w3 = 0x1
call bpf_arena_reserve_pages
if w0 != -0x10 goto +0x1
w6 = 0x0
w6 <<= 0x1
w0 = w6
exit
