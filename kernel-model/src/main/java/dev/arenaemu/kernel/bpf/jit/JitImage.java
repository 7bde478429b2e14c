package dev.arenaemu.kernel.bpf.jit;

import java.util.List;
import java.util.function.ToLongFunction;

/**
 * A converged JIT image before it has an address: code bytes, the places that need the final
 * address (calls out of the image, bpf-to-bpf calls, function addresses loaded by ld_imm64),
 * the exception table, where each BPF instruction starts, and where a run is charged against its
 * instruction budget ({@link ChargePoints}, at {@code insnOffsets} of their instructions).
 */
public record JitImage(byte[] code, List<Relocation> relocations, int[] functionOffsets, int[] insnOffsets,
                       List<ExceptionTableEntry> extable, JitOptions options, int[] functionLengths, ChargePoints charges) {

    /**
     * Hand-made code (not from BPF): functions known only by their offsets, each running up to
     * the next (padding included), and no charge points, so the code must not loop.
     */
    public JitImage(byte[] code, List<Relocation> relocations, int[] functionOffsets, int[] insnOffsets,
                    List<ExceptionTableEntry> extable, JitOptions options) {
        this(code, relocations, functionOffsets, insnOffsets, extable, options, spans(functionOffsets, code.length),
            ChargePoints.NONE);
    }

    private static int[] spans(int[] offsets, int length) {
        int[] out = new int[offsets.length];
        for (int f = 0; f < offsets.length; f++) out[f] = (f + 1 < offsets.length ? offsets[f + 1] : length) - offsets[f];
        return out;
    }

    /**
     * Function {@code f}'s own code, without the int3 padding that aligns the next one: what the
     * kernel allocates for it (jited_func_lens) in its own image.
     */
    public byte[] functionCode(int f) {
        return java.util.Arrays.copyOfRange(code, functionOffsets[f], functionOffsets[f] + functionLengths[f]);
    }

    /** A hole in {@link #code} to fill at link time. */
    public sealed interface Relocation {
        int offset();
    }

    /** rel32 of a {@code call} to a helper/kfunc trampoline. */
    public record CallOut(int offset, CallTarget target) implements Relocation {}

    /** rel32 of a bpf-to-bpf {@code call} to function {@code function}. */
    public record CallFunction(int offset, int function) implements Relocation {}

    /** imm64 of a {@code movabs} loading the address of function {@code function} (BPF_PSEUDO_FUNC). */
    public record FunctionAddress(int offset, int function) implements Relocation {}

    /** The code as it must be placed at {@code base}, with call targets resolved by {@code targets}. */
    public byte[] linkAt(long base, ToLongFunction<CallTarget> targets) {
        byte[] out = code.clone();
        for (Relocation r : relocations) {
            switch (r) {
                case CallOut c -> putRel32(out, base, c.offset(), targets.applyAsLong(c.target()));
                case CallFunction c -> putRel32(out, base, c.offset(), base + functionOffsets[c.function()]);
                case FunctionAddress f -> putLong(out, f.offset(), base + functionOffsets[f.function()]);
            }
        }
        return out;
    }

    private static void putRel32(byte[] out, long base, int offset, long target) {
        long rel = target - (base + offset + 4);
        if (rel != (int) rel) throw new JitException("call target 0x" + Long.toHexString(target) + " out of rel32 range");
        for (int i = 0; i < 4; i++) out[offset + i] = (byte) (rel >>> (8 * i));
    }

    private static void putLong(byte[] out, int offset, long value) {
        for (int i = 0; i < 8; i++) out[offset + i] = (byte) (value >>> (8 * i));
    }
}
