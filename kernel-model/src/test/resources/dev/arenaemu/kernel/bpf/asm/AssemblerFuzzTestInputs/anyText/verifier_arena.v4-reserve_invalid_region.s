r1 = map[arena] ll
r2 = 0x0
w3 = 0x3
call bpf_arena_reserve_pages
w1 = w0
w0 = 0x1
if w1 != -0x16 goto +0x1d
r1 = map[arena] ll
r2 = 0x1000ffffe000 ll
w3 = 0x3
call bpf_arena_reserve_pages
w1 = w0
w0 = 0x2
if w1 != -0x16 goto +0x14
r1 = map[arena] ll
r2 = 0x1000ffffe000 ll
w3 = 0x1000
call bpf_arena_reserve_pages
w1 = w0
w0 = 0x3
if w1 != -0x16 goto +0xb
r1 = map[arena] ll
r2 = 0x1000ffffe000 ll
w3 = -0x1
call bpf_arena_reserve_pages
w1 = w0
w0 = 0x1
if w1 != -0x16 goto +0x1
w0 = 0x0
w0 <<= 0x2
exit
