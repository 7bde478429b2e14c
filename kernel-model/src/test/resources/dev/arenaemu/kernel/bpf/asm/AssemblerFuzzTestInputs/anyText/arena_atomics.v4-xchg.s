r1 = arena_global[0x68] ll
r1 = addr_space_cast(r1, 0x0, 0x1)
r2 = 0x2
r2 = xchg_64(r1 + 0x0, r2)
r1 = arena_global[0xc0] ll
r1 = addr_space_cast(r1, 0x0, 0x1)
*(u64 *)(r1 + 0x0) = r2
r1 = arena_global[0x70] ll
r1 = addr_space_cast(r1, 0x0, 0x1)
w2 = 0x2
w2 = xchg32_32(r1 + 0x0, w2)
r1 = arena_global[0xc8] ll
r1 = addr_space_cast(r1, 0x0, 0x1)
*(u32 *)(r1 + 0x0) = w2
w0 = 0x0
exit
