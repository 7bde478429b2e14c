r1 = arena_global[0x38] ll
r1 = addr_space_cast(r1, 0x0, 0x1)
r2 = 0x1100000000 ll
lock *(u64 *)(r1 + 0x0) |= r2
r1 = arena_global[0x40] ll
r1 = addr_space_cast(r1, 0x0, 0x1)
w2 = 0x11
lock *(u32 *)(r1 + 0x0) |= w2
w0 = 0x0
exit
