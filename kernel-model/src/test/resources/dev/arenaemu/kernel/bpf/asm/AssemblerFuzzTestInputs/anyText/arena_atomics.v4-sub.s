r1 = 0x2
r1 = -r1
r2 = arena_global[0x18] ll
r2 = addr_space_cast(r2, 0x0, 0x1)
r1 = atomic_fetch_add((u64 *)(r2 + 0x0), r1)
r2 = arena_global[0x98] ll
r2 = addr_space_cast(r2, 0x0, 0x1)
*(u64 *)(r2 + 0x0) = r1
w1 = 0x2
w1 = -w1
r2 = arena_global[0x20] ll
r2 = addr_space_cast(r2, 0x0, 0x1)
w1 = atomic_fetch_add((u32 *)(r2 + 0x0), w1)
r2 = arena_global[0xa0] ll
r2 = addr_space_cast(r2, 0x0, 0x1)
*(u32 *)(r2 + 0x0) = w1
w0 = 0x0
exit
