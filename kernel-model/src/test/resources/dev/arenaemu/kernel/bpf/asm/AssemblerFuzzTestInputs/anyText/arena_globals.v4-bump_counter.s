r1 = arena_global[0x60] ll
r1 = addr_space_cast(r1, 0x0, 0x1)
w2 = *(u32 *)(r1 + 0x0)
w2 += 0x1
*(u32 *)(r1 + 0x0) = w2
r1 = arena_global[0x0] ll
r1 = addr_space_cast(r1, 0x0, 0x1)
w0 = *(u8 *)(r1 + 0x0)
exit
