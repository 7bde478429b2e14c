r1 = arena_global[0x28] ll
r1 = addr_space_cast(r1, 0x0, 0x1)
r2 = 0x11000000000 ll
*(u64 *)(r1 + 0x0) = r2
r2 = 0x1100000000 ll
r2 = atomic_fetch_and((u64 *)(r1 + 0x0), r2)
w0 = 0x1
if r2 != 0x0 goto +0x1
w0 = 0x0
exit
