package dev.arenaemu.scenarios.oracle;

import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.bpf.BpfSyscall;
import dev.arenaemu.kernel.bpf.asm.Assembler;
import dev.arenaemu.kernel.bpf.isa.Bpf;
import dev.arenaemu.kernel.bpf.isa.Insn;
import dev.arenaemu.kernel.bpf.jit.JitImage;
import dev.arenaemu.kernel.bpf.jit.JitListing;
import dev.arenaemu.kernel.bpf.jit.JitProfile;
import dev.arenaemu.kernel.bpf.verifier.MapDescriptor;
import dev.arenaemu.kernel.bpf.verifier.VerifiedProgram;
import dev.arenaemu.kernel.bpf.verifier.Verifier;
import dev.arenaemu.kernel.bpf.verifier.VerifierConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The oracle's JIT comparison without a kernel: a "kernel" side made the way
 * bpf_prog_get_info_by_fd makes it (bpf_insn_prepare_dump's xlated form, map ids instead of
 * addresses, another kern_vm_start, other call targets) compares identical; a changed
 * instruction is found where it is, with both disassemblies.
 */
class JitComparisonTest {
    private static final String PROG = String.join("\n",
        "r1 = map[arena] ll", "r2 = 0", "w3 = 1", "w4 = -1", "r5 = 0",
        "call bpf_arena_alloc_pages", "r1 = addr_space_cast(r0, 0x0, 0x1)",
        "r2 = 7", "*(u64 *)(r1 + 8) = r2", "r0 = *(u64 *)(r1 + 8)", "exit");

    private static JitListing listing(long kern, long user, long object) {
        MapDescriptor arena = MapDescriptor.arena("arena", 0, object, user, user + 100 * 4096);
        VerifiedProgram v = Verifier.verify(Assembler.assemble("p", "syscall", PROG), Map.of("arena", arena),
            VerifierConfig.privileged(KernelEra.LATEST));
        return JitListing.of("p", v, BpfSyscall.jitOptions(v, kern, user, KernelEra.LATEST, JitProfile.DEBIAN_CLOUD));
    }

    /** What BPF_OBJ_GET_INFO_BY_FD shows of {@code l}: the dump form, a map id, the image as is (one function). */
    private static JitComparison.KernelImages kernelSide(JitListing l, int mapId) {
        List<Insn> dump = new ArrayList<>();
        for (int i = 0; i < l.xlated().size(); i++) {
            Insn in = JitComparison.dumpForm(l.xlated().get(i));
            if (i == 0) in = in.withSrc(Bpf.PSEUDO_MAP_FD).withImm(mapId);   // the first slot of the arena's ld_imm64
            if (i == 1) in = in.withImm(0);
            dump.add(in);
        }
        byte[] code = l.image().code();
        return new JitComparison.KernelImages(dump, code, new int[] {l.image().functionLengths()[0]}, new long[] {0xffffffffc0001000L});
    }

    @Test
    void anotherLoadAtOtherAddressesIsIdentical() {
        JitListing emu = listing(0xFFFF_C900_0000_0000L, 1L << 44, 0xFFFF_8880_0100_0000L);
        JitListing kernel = listing(0xFF57_838F_C064_5000L, 3L << 44, 0xFF16_DFC2_01F7_3000L);
        JitComparison.Result r = JitComparison.compare(emu, kernelSide(kernel, 17));
        assertNull(r.xlatedDiff());
        assertNull(r.jitedDiff());
        // the emulator's xlated keeps PROBE_MEM32; the kernel's dump shows MEM (bpf_insn_prepare_dump)
        Insn store = emu.xlated().stream().filter(in -> in.cls() == Bpf.STX).findFirst().orElseThrow();
        assertEquals(Bpf.STX | Bpf.PROBE_MEM32 | Bpf.DW, store.opcode());
        assertEquals(Bpf.STX | Bpf.MEM | Bpf.DW, JitComparison.dumpForm(store).opcode());
    }

    @Test
    void aChangedInstructionIsReportedWithBothSides() {
        JitListing emu = listing(0xFFFF_C900_0000_0000L, 1L << 44, 0xFFFF_8880_0100_0000L);
        JitComparison.KernelImages k = kernelSide(emu, 3);
        List<Insn> xlated = new ArrayList<>(k.xlated());
        int seven = 0;
        while (!(xlated.get(seven).opcode() == (Bpf.ALU64 | Bpf.MOV | Bpf.K) && xlated.get(seven).imm() == 7)) seven++;
        xlated.set(seven, xlated.get(seven).withImm(8));   // r2 = 8 instead of 7
        String d = JitComparison.compare(emu, new JitComparison.KernelImages(xlated, k.jited(), k.funcLens(), k.ksyms())).xlatedDiff();
        assertTrue(d.startsWith("insn " + seven + ": emulator (") && d.contains("r2 = 0x7") && d.contains("| kernel (") && d.contains("r2 = 0x8"), d);

        // the mov of 7 into rsi: be 07 00 00 00 -> be 08 00 00 00 in the kernel's image
        byte[] code = k.jited().clone();
        int at = indexOf(code, new byte[] {(byte) 0xbe, 7, 0, 0, 0});
        code[at + 1] = 8;
        String j = JitComparison.compare(emu, new JitComparison.KernelImages(k.xlated(), code, k.funcLens(), k.ksyms())).jitedDiff();
        assertEquals("at 0x" + Integer.toHexString(at) + ": emulator be 07 00 00 00  mov $0x7,%esi | kernel be 08 00 00 00  mov $0x8,%esi", j);

        // a longer kernel function (one more byte at the end)
        byte[] longer = java.util.Arrays.copyOf(k.jited(), k.jited().length + 1);
        longer[longer.length - 1] = (byte) 0xcc;
        String l = JitComparison.compare(emu, new JitComparison.KernelImages(k.xlated(), longer, new int[] {longer.length}, k.ksyms())).jitedDiff();
        assertTrue(l.contains("the emulator's function ends") && l.contains("int3"), l);
        // a different number of functions
        assertEquals("functions: emulator 1, kernel 2", JitComparison.compare(emu,
            new JitComparison.KernelImages(k.xlated(), k.jited(), new int[] {4, k.jited().length - 4}, k.ksyms())).jitedDiff());
    }

    /**
     * A kfunc call's rel32 is resolved with the kernel's symbols (/proc/kallsyms): it must reach
     * the kfunc the emulator's call reaches (the verifier's specialize_kfunc chose it).
     */
    @Test
    void kfuncCallsAreResolvedToTheKernelsSymbols() {
        JitListing emu = listing(0xFFFF_C900_0000_0000L, 1L << 44, 0xFFFF_8880_0100_0000L);
        JitComparison.KernelImages k = kernelSide(emu, 3);
        int callAt = emu.image().relocations().stream().filter(r -> r instanceof JitImage.CallOut).findFirst().orElseThrow().offset();
        byte[] code = k.jited().clone();
        long prog = k.ksyms()[0], alloc = 0xffffffff81a2b000L, nonSleepable = 0xffffffff81a2b3c0L;
        var symbols = Map.of(nonSleepable, "bpf_arena_alloc_pages_non_sleepable", alloc, "bpf_arena_alloc_pages");
        for (long target : new long[] {alloc, nonSleepable}) {
            int rel = (int) (target - (prog + callAt + 4));
            for (int b = 0; b < 4; b++) code[callAt + b] = (byte) (rel >>> (8 * b));
            String d = JitComparison.compare(emu, new JitComparison.KernelImages(k.xlated(), code, k.funcLens(), k.ksyms(), symbols)).jitedDiff();
            if (target == alloc) assertNull(d, "a sleepable program's call reaches bpf_arena_alloc_pages");
            else assertEquals("at 0x" + Integer.toHexString(callAt - 1) + ": the call reaches bpf_arena_alloc_pages here, bpf_arena_alloc_pages_non_sleepable on the kernel", d);
        }
        // without the kernel's symbols the targets stay masked
        assertNull(JitComparison.compare(emu, new JitComparison.KernelImages(k.xlated(), code, k.funcLens(), k.ksyms())).jitedDiff());
    }

    /** A bpf-to-bpf call's rel32 is resolved with jited_ksyms: it must reach the same function. */
    @Test
    void bpfToBpfCallsAreResolvedThroughKsyms() {
        String asm = "call pc+1\nexit\nr0 = 7\nexit";
        VerifiedProgram v = Verifier.verify(Assembler.assemble("p", "syscall", asm), Map.of(), VerifierConfig.privileged(KernelEra.LATEST));
        JitListing emu = JitListing.of("p", v, BpfSyscall.jitOptions(v, 0, 0, KernelEra.LATEST, JitProfile.DEBIAN_CLOUD));
        JitImage image = emu.image();
        byte[] f0 = image.functionCode(0), f1 = image.functionCode(1);
        int callAt = image.relocations().stream().filter(r -> r instanceof JitImage.CallFunction).findFirst().orElseThrow().offset();
        long k0 = 0xffffffffc0002000L, k1 = 0xffffffffc0007800L;
        byte[] both = new byte[f0.length + f1.length];
        System.arraycopy(f0, 0, both, 0, f0.length);
        System.arraycopy(f1, 0, both, f0.length, f1.length);
        int rel = (int) (k1 - (k0 + callAt + 4));
        for (int b = 0; b < 4; b++) both[callAt + b] = (byte) (rel >>> (8 * b));
        List<Insn> dump = emu.xlated().stream().map(JitComparison::dumpForm).toList();
        int[] lens = {f0.length, f1.length};
        assertNull(JitComparison.compare(emu, new JitComparison.KernelImages(dump, both, lens, new long[] {k0, k1})).jitedDiff());
        // the same bytes with the functions' addresses swapped: the call reaches no function's start
        String d = JitComparison.compare(emu, new JitComparison.KernelImages(dump, both, lens, new long[] {k1, k0})).jitedDiff();
        assertTrue(d.contains("the call reaches function 1 here, no function's start on the kernel"), d);
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int k = 0; k < needle.length; k++) if (hay[i + k] != needle[k]) continue outer;
            return i;
        }
        throw new AssertionError("not found");
    }
}
