package dev.arenaemu.kernel.bpf.verifier;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.bpf.isa.Bpf;
import dev.arenaemu.kernel.bpf.isa.BpfProgram;
import dev.arenaemu.kernel.bpf.isa.Insn;
import dev.arenaemu.kernel.bpf.isa.Reloc;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Coverage-guided fuzzing of the verifier (docs/fuzzing.md) on what bpf(BPF_PROG_LOAD) takes:
 * raw 8-byte instruction slots. Contract: the program is verified or rejected with a
 * {@link VerifierException} (a log line, an errno, an instruction index inside the program),
 * never another throwable.
 *
 * <p>Input: byte 0 picks the kernel era (low bits) and whether the loader is unprivileged (bit 7);
 * the rest is little-endian slots as in struct bpf_insn. An ld_imm64 with src BPF_PSEUDO_MAP_FD
 * or BPF_PSEUDO_MAP_VALUE gets the relocation libbpf would have recorded, on the arena map (imm
 * even) or on .bss (imm odd), so map references reach the verifier's map checks.
 */
class VerifierFuzzTest {
    @FuzzTest(maxDuration = "2m")
    void anyInsns(byte[] data) {
        if (data.length == 0) return;
        KernelEra[] eras = KernelEra.values();
        VerifierConfig config = VerifierConfig.privileged(eras[(data[0] & 0x7F) % eras.length]);
        if (data[0] < 0) config = config.withCaps(false, false);
        ByteBuffer b = ByteBuffer.wrap(data, 1, data.length - 1).slice().order(ByteOrder.LITTLE_ENDIAN);
        List<Insn> insns = new ArrayList<>();
        while (b.remaining() >= 8) insns.add(Insn.decode(b.getLong()));
        List<Reloc> relocs = new ArrayList<>();
        for (int i = 0; i + 1 < insns.size(); i++) {
            Insn in = insns.get(i);
            if (in.opcode() != (Bpf.LD | Bpf.IMM | Bpf.DW)) continue;
            String map = (in.imm() & 1) == 0 ? "arena" : ".bss";
            if (in.src() == Bpf.PSEUDO_MAP_FD) relocs.add(new Reloc.MapFd(i, map));
            else if (in.src() == Bpf.PSEUDO_MAP_VALUE) relocs.add(new Reloc.MapValue(i, map, insns.get(i + 1).imm()));
            i++;
        }
        VerifierRobustnessTest.verifiesOrRejects(new BpfProgram("p", "syscall", insns, relocs), config);
    }
}
