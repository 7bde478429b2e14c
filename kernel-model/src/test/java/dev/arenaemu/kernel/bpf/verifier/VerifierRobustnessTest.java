package dev.arenaemu.kernel.bpf.verifier;

import static org.junit.jupiter.api.Assertions.*;

import dev.arenaemu.kernel.bpf.isa.Bpf;
import dev.arenaemu.kernel.bpf.isa.BpfProgram;
import dev.arenaemu.kernel.bpf.isa.Insn;
import dev.arenaemu.kernel.bpf.isa.ValidInsns;
import dev.arenaemu.kernel.testing.SeededCheck;
import dev.arenaemu.kernel.testing.SeededCheck.Reducer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Arbitrary instruction sequences are accepted or rejected with a VerifierException (bpf_check's
 * log line and errno), never a crash.
 */
class VerifierRobustnessTest {

    /** 2000 sequences of 12 random valid instructions and an exit; a crashing one is reduced to the instructions that still crash. */
    @Test
    void randomProgramsNeverCrashTheVerifier() {
        SeededCheck.forAll("verifier on random programs", 2000, seed -> ValidInsns.units(seed, 12), Reducer.list(Reducer.none()),
            units -> withExit(units).toString(), units -> verifiesOrRejects(withExit(units)));
    }

    private static List<Insn> withExit(List<List<Insn>> units) {
        List<Insn> insns = new ArrayList<>(ValidInsns.flat(units));
        insns.add(new Insn(Bpf.JMP | Bpf.EXIT, 0, 0, 0, 0));
        return insns;
    }

    /** The contract the fuzz target (VerifierFuzzTest) checks too. */
    static void verifiesOrRejects(List<Insn> insns) {
        verifiesOrRejects(new BpfProgram("p", "syscall", insns, List.of()), VerifierTest.ROOT);
    }

    static void verifiesOrRejects(BpfProgram p, VerifierConfig config) {
        int n = p.insns().size();
        try {
            // the rewrites (do_misc_fixups, opt_remove_nops, the zext after cmpxchg) may change the length
            assertFalse(Verifier.verify(p, VerifierTest.MAPS, config).program().insns().isEmpty());
        } catch (VerifierException rejected) {
            assertFalse(rejected.kernelMessage().isEmpty());
            assertTrue(rejected.insnIndex() >= -1 && rejected.insnIndex() < n, rejected.getMessage());
        }
    }
}
