package dev.arenaemu.kernel.bpf.jit;

import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.bpf.BpfSyscall;
import dev.arenaemu.kernel.bpf.asm.Assembler;
import dev.arenaemu.kernel.bpf.isa.Insn;
import dev.arenaemu.kernel.bpf.verifier.MapDescriptor;
import dev.arenaemu.kernel.bpf.verifier.VerifiedProgram;
import dev.arenaemu.kernel.bpf.verifier.Verifier;
import dev.arenaemu.kernel.bpf.verifier.VerifierConfig;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The listing keeps what must be equal between two loads and masks what is an address: two arenas
 * at different kernel and user addresses give the same masked image and xlated program.
 */
class JitListingTest {
    private static final String PROG = String.join("\n",
        "r1 = map[arena] ll", "r2 = 0", "w3 = 1", "w4 = -1", "r5 = 0",
        "call bpf_arena_alloc_pages", "r1 = addr_space_cast(r0, 0x0, 0x1)",
        "r2 = 7", "*(u64 *)(r1 + 8) = r2", "r1 = addr_space_cast(r1, 0x1, 0x0)", "r0 = 0", "exit");

    private static JitListing listing(long kern, long user, long object) {
        MapDescriptor arena = MapDescriptor.arena("arena", 0, object, user, user + 100 * 4096);
        VerifiedProgram v = Verifier.verify(Assembler.assemble("p", "syscall", PROG), Map.of("arena", arena),
            VerifierConfig.privileged(KernelEra.LATEST));
        return JitListing.of("p", v, BpfSyscall.jitOptions(v, kern, user, KernelEra.LATEST, JitProfile.DEBIAN_CLOUD));
    }

    @Test
    void masksMakeTwoLoadsEqual() {
        JitListing a = listing(0xFFFF_C900_0000_0000L, 1L << 44, 0xFFFF_8880_0100_0000L);
        JitListing b = listing(0xFFFF_C910_0000_0000L, 3L << 44, 0xFFFF_8880_0230_0000L);
        assertNotEquals(HexFormat.of().formatHex(a.image().code()), HexFormat.of().formatHex(b.image().code()));
        assertEquals(HexFormat.of().formatHex(a.maskedImage()), HexFormat.of().formatHex(b.maskedImage()));
        assertEquals(a.maskedXlated(), b.maskedXlated());
        // masked: the ld_imm64 pair, the kfunc call; kept: everything else
        List<Insn> m = a.maskedXlated();
        assertEquals(0, m.get(0).imm());
        assertEquals(0, m.get(6).imm());
        assertEquals(a.xlated().get(3), m.get(3));
        // 8 bytes kern_vm_start, 8 bytes map address, 4 bytes call rel32, 4 bytes user_vm_start >> 32
        assertEquals(24, a.imageMask().cardinality());
    }

    @Test
    void jitedTextNamesEachBpfInstructionAndItsX86() {
        List<String> text = listing(0xFFFF_C900_0000_0000L, 1L << 44, 0xFFFF_8880_0100_0000L).jitedText(true);
        assertEquals("bpf_prog_p:", text.getFirst());
        assertTrue(text.stream().anyMatch(l -> l.equals("; 9: *(u64 *)(r1 + 0x8) = r2 ; probe_mem32")), String.join("\n", text));
        assertTrue(text.stream().anyMatch(l -> l.contains("49 bc .. .. .. .. .. .. .. ..") && l.endsWith("movabs $0xffffc90000000000,%r12")),
            String.join("\n", text));
        assertTrue(text.stream().anyMatch(l -> l.contains("mov %rsi,0x8(%rdi,%r12,1)")), String.join("\n", text));
    }

    /**
     * jit_subprogs (kernel/bpf/verifier.c) rewrites every bpf-to-bpf call once the functions are
     * JITed: off takes the call's pc-relative offset, imm the callee's subprogram index; that is
     * what BPF_OBJ_GET_INFO_BY_FD's xlated_prog_insns shows (7.3.4 showed off=0xd, imm=1 for a
     * call to the first subprogram 13 instructions on).
     */
    @Test
    void dumpedXlatedShowsBpfToBpfCallsAsJitSubprogsLeavesThem() {
        String prog = String.join("\n",
            "r1 = 1", "call f2", "call f1", "exit",
            "f1:", "r0 = 2", "exit",
            "f2:", "r0 = 3", "exit");
        VerifiedProgram v = Verifier.verify(Assembler.assemble("p", "syscall", prog), Map.of(),
            VerifierConfig.privileged(KernelEra.LATEST));
        JitListing listing = JitListing.of("p", v, BpfSyscall.jitOptions(v, 0, 0, KernelEra.LATEST, JitProfile.DEBIAN_CLOUD));
        List<Insn> dumped = listing.dumpedXlated();
        Insn toF2 = dumped.get(1), toF1 = dumped.get(2);
        assertEquals(listing.xlated().get(1).imm(), toF2.off());
        assertEquals(2, toF2.imm());
        assertEquals(listing.xlated().get(2).imm(), toF1.off());
        assertEquals(1, toF1.imm());
        assertEquals(listing.xlated().get(0), dumped.get(0));
    }
}
