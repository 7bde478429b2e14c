r1 = arena_global[0x0] ll
r1 = addr_space_cast(r1, 0x0, 0x1)
r0 = *(s8 *)(r1 + 0x0)
exit
