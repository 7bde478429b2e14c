r1 = map[arena] ll
r2 = map_value[.bss + 0x10] ll
r3 = arena_global[0x8] ll
r1 = addr_space_cast(r2, 0x0, 0x1)
*(u64 *)(r1 + 8) = r2
r2 = *(u32 *)(r1 - 4)
*(u8 *)(r1 - 1) = 7
r3 = *(s16 *)(r4 + 0x2)
lock *(u64 *)(r1 + 0) += r2
r0 = atomic_fetch_add((u64 *)(r1 + 0), r0)
r0 = cmpxchg_64(r1 + 0, r0, r2)
w0 = xchg32_32(r2 + 0x0, w0)
w0 = load_acquire((u8 *)(r1 + 0x0))
store_release((u64 *)(r1 + 0x0), r2)
r0 = *(u8 *)skb[0x10]
r0 = *(u16 *)skb[r1 - 4]
w1 = w2
r1 s/= r2
r1 = (s8)r2
r1 = bswap64 r1
r1 = be16 r1
r3 = -r3
w4 += -0x1
r1 = 5 ll
if w1 s< -3 goto +1
goto -1
exit
