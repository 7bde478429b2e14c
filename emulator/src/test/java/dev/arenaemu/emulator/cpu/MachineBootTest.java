package dev.arenaemu.emulator.cpu;

import dev.arenaemu.emulator.ffm.X86Reg;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MachineBootTest {
    @Test
    void bootsPassesSelfCheckAndEntersUserModeAtCpl3() {
        try (Machine m = new Machine()) {
            Cpu user = m.newUserCpu(m.newUserPageTable());
            assertEquals(3, user.cpl());
            assertEquals(0x23, user.reg(X86Reg.CS));
            assertEquals(0, m.kernelCpu().cpl());
        }
    }
}
