package dev.arenaemu.emulator.cpu;

import dev.arenaemu.emulator.ffm.Unicorn;
import dev.arenaemu.emulator.x86.X86Reg;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Where, inside a uc_context blob, CPUX86State keeps {@code error_code} and
 * {@code old_exception}. The API exposes neither; both are needed (the #PF error code, and the
 * reset that stops Unicorn 2.1.4, as 2.0.1 did, turning the second handled #PF into #DF:
 * emulator/README.md quirk 1). Also where it keeps {@code eip} and {@code cr[2]}: every #PF
 * saves the context anyway, so the handler reads RIP and CR2 from the blob instead of with two
 * more uc_reg_read calls (a downcall each, on the path of every fault).
 *
 * <p>Found at run time: write eight distinct values to DR0..DR7, save a context and search the
 * blob. CPUX86State has {@code int error_code; int exception_is_int; target_ulong
 * exception_next_eip; target_ulong dr[8]; ...; int old_exception} (the same in 2.0.1, 2.1.3 and
 * HEAD; on 2.1.4 the boot check passes), so error_code sits 16 bytes before dr[0] and
 * old_exception 96 bytes after it. RIP and CR2 are found the same way, each by a marker written
 * to it that must occur exactly once in the blob. The {@link Machine} verifies all four with
 * real faults before anything else runs (error code, faulting address, and a fixup relative to
 * the faulting RIP).
 */
public record ContextLayout(long errorCodeOffset, long oldExceptionOffset, long ripOffset, long cr2Offset, long size) {
    private static final long[] MARKERS = {
        0x1111_0000_0000_0d00L, 0x2222_0000_0000_0d01L, 0x3333_0000_0000_0d02L, 0x4444_0000_0000_0d03L,
        0x5555_0000_0000_0d04L, 0x6666_0000_0000_0d05L, 0x7777_0000_0000_0d06L, 0x0888_0000_0000_0d07L};
    private static final X86Reg[] DRS = {X86Reg.DR0, X86Reg.DR1, X86Reg.DR2, X86Reg.DR3,
        X86Reg.DR4, X86Reg.DR5, X86Reg.DR6, X86Reg.DR7};
    private static final long RIP_MARKER = 0x0000_7A5E_0000_1234L, CR2_MARKER = 0x0000_7C20_0000_5678L;

    private static ContextLayout discovered;

    /** Discovers the layout once per process (it is a property of the libunicorn build). */
    public static synchronized ContextLayout discover() {
        if (discovered != null) return discovered;
        try (Unicorn uc = new Unicorn()) {
            for (int i = 0; i < 8; i++) uc.regWrite(DRS[i], MARKERS[i]);
            uc.regWrite(X86Reg.RIP, RIP_MARKER);
            uc.regWrite(X86Reg.CR2, CR2_MARKER);
            Unicorn.Context ctx = uc.contextAlloc();
            uc.contextSave(ctx);
            MemorySegment blob = ctx.bytes();
            long size = blob.byteSize();
            long found = -1;
            for (long off = 0; off + 64 <= size && found < 0; off += 8) {
                boolean all = true;
                for (int i = 0; i < 8 && all; i++) all = blob.get(ValueLayout.JAVA_LONG_UNALIGNED, off + 8L * i) == MARKERS[i];
                if (all) found = off;
            }
            if (found < 0) {
                throw new IllegalStateException("uc_context layout not recognised: DR0..DR7 markers not found in the "
                    + size + "-byte blob; this libunicorn build differs from 2.1.4 and the #PF error code cannot be read");
            }
            discovered = new ContextLayout(found - 16, found + 96, onlyOffsetOf(blob, RIP_MARKER, "RIP"), onlyOffsetOf(blob, CR2_MARKER, "CR2"), size);
            return discovered;
        }
    }

    /** The one 8-byte-aligned offset of {@code marker} in the blob. */
    private static long onlyOffsetOf(MemorySegment blob, long marker, String register) {
        long found = -1;
        for (long off = 0; off + 8 <= blob.byteSize(); off += 8) {
            if (blob.get(ValueLayout.JAVA_LONG_UNALIGNED, off) != marker) continue;
            if (found >= 0) {
                throw new IllegalStateException("uc_context layout not recognised: the " + register + " marker occurs at offsets "
                    + found + " and " + off + " of the " + blob.byteSize() + "-byte blob");
            }
            found = off;
        }
        if (found < 0) {
            throw new IllegalStateException("uc_context layout not recognised: the " + register + " marker is not in the "
                + blob.byteSize() + "-byte blob; this libunicorn build differs from 2.1.4");
        }
        return found;
    }
}
