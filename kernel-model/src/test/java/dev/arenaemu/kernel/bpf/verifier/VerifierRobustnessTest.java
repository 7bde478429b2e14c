package dev.arenaemu.kernel.bpf.verifier;

import static org.junit.jupiter.api.Assertions.*;

import dev.arenaemu.kernel.bpf.isa.BpfProgram;
import dev.arenaemu.kernel.bpf.isa.Insn;
import dev.arenaemu.kernel.bpf.isa.ValidInsns;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** Arbitrary instruction sequences are accepted or rejected with a VerifierException, never a crash. */
class VerifierRobustnessTest {

    @Property(tries = 2000)
    void randomProgramsNeverCrashTheVerifier(@ForAll long seed) {
        List<Insn> insns = new ArrayList<>(ValidInsns.program(seed, 12));
        insns.add(new Insn(dev.arenaemu.kernel.bpf.isa.Bpf.JMP | dev.arenaemu.kernel.bpf.isa.Bpf.EXIT, 0, 0, 0, 0));
        BpfProgram p = new BpfProgram("p", "syscall", insns, List.of());
        try {
            VerifiedProgram v = Verifier.verify(p, VerifierTest.MAPS, VerifierTest.ROOT);
            assertEquals(insns.size(), v.program().insns().size());
        } catch (VerifierException rejected) {
            assertFalse(rejected.kernelMessage().isEmpty());
        }
    }
}
