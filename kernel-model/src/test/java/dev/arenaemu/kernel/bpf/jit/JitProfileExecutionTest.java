package dev.arenaemu.kernel.bpf.jit;

import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.emulator.cpu.Machine;
import dev.arenaemu.emulator.trap.FaultHandler;
import dev.arenaemu.kernel.bpf.isa.Bpf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The profiles' encodings on the emulated CPU: endbr64 and the int3 after ret run (the programs
 * the emulator loads have both), the shifts of the BMI2 and the cl path give the same results,
 * and the emulated CPU reports BMI2, which is why {@link JitProfile#EMULATED_CPU} has it.
 */
class JitProfileExecutionTest {
    private static Machine machine;
    private static JitRuntime runtime;

    @BeforeAll
    static void boot() {
        machine = new Machine();
        runtime = new JitRuntime(machine, (t, a1, a2, a3, a4, a5) -> CallResult.of(0));
        runtime.installFaultHandler(FaultHandler.DELIVER_ALL);
    }

    @AfterAll
    static void shutdown() {
        machine.close();
    }

    private static JitRuntime.Outcome run(B b, JitProfile profile, long... args) {
        LoadedProgram p = runtime.load("p", b.build(), JitOptions.PLAIN.withProfile(profile));
        try {
            return runtime.run(p, Budget.DEFAULT, args);
        } finally {
            runtime.unload(p);
        }
    }

    private static long r0(JitRuntime.Outcome o) {
        if (o instanceof JitRuntime.Outcome.Returned r) return r.r0();
        throw new AssertionError("did not return: " + o);
    }

    @Test
    void clShiftsAgreeWithTheInterpreterOnEveryRegisterPairing() {
        // r1 << r2, r4 (rcx) as count, as destination, as both
        B prog = B.prog().mov64r(0, 1).alu64(Bpf.LSH, 0, 2).mov64r(4, 3).alu64(Bpf.RSH, 0, 4)
            .mov64r(6, 4).alu64(Bpf.ARSH, 4, 2).alu64(Bpf.ADD, 0, 4).alu64(Bpf.LSH, 4, 4).alu64(Bpf.ADD, 0, 4).exit();
        long a = 0xF00D_0000_1234L, s = 7, t = 3;
        long expect = ((a << s) >>> t) + (t >> s) + ((t >> s) << (t >> s));
        for (JitProfile p : new JitProfile[] {JitProfile.BASELINE, JitProfile.EMULATED_CPU, JitProfile.BASELINE.withBmi2(true)}) {
            assertEquals(expect, r0(run(prog, p, a, s, t)), p::toString);
        }
    }

    @Test
    void endbrAndInt3AfterRetExecute() {
        assertEquals(5, r0(run(B.prog().mov64(0, 5).exit(), JitProfile.EMULATED_CPU)));
    }

    /** Unicorn's default model reports BMI2 (CPUID.(EAX=7,ECX=0):EBX bit 8) and runs shlx: EMULATED_CPU has it. */
    @Test
    void theEmulatedCpuHasBmi2() {
        // mov eax, 7; xor ecx, ecx; cpuid; mov eax, ebx; ret — placed in module text like a program
        byte[] code = HexFormat.of().parseHex("b80700000031c90fa289d8c3");
        LoadedProgram p = runtime.place("cpuid", new JitImage(code, List.of(), new int[] {0}, new int[0], List.of(), JitOptions.PLAIN));
        long ebx;
        try {
            ebx = r0(runtime.run(p, Budget.DEFAULT)) & 0xFFFF_FFFFL;
        } finally {
            runtime.unload(p);
        }
        assertEquals(1L << 8, ebx & (1L << 8), () -> "CPUID.7.EBX = 0x" + Long.toHexString(ebx));
        assertTrue(JitProfile.EMULATED_CPU.bmi2());
        assertEquals(48, r0(run(B.prog().mov64r(0, 1).alu64(Bpf.LSH, 0, 2).exit(), JitProfile.EMULATED_CPU, 3, 4)));
    }
}
