package dev.arenaemu.emulator.ffm;

import dev.arenaemu.emulator.x86.X86Reg;

/**
 * The uc_x86_reg number of each register (unicorn/x86.h). Checked against 2.1.4's x86_const.py
 * (the wheel's): every id here is the same number as in 2.0.1.
 */
final class UcX86RegIds {
    private UcX86RegIds() {}

    static int of(X86Reg reg) {
        return switch (reg) {
            case RAX -> 35; case RBP -> 36; case RBX -> 37; case RCX -> 38; case RDI -> 39; case RDX -> 40;
            case RIP -> 41; case RSI -> 43; case RSP -> 44;
            case CS -> 11; case DS -> 17; case ES -> 28; case FS -> 32; case GS -> 33; case SS -> 49; case EFLAGS -> 25;
            case CR0 -> 50; case CR2 -> 52; case CR3 -> 53; case CR4 -> 54;
            case DR0 -> 66; case DR1 -> 67; case DR2 -> 68; case DR3 -> 69; case DR4 -> 70; case DR5 -> 71; case DR6 -> 72; case DR7 -> 73;
            case R8 -> 106; case R9 -> 107; case R10 -> 108; case R11 -> 109; case R12 -> 110; case R13 -> 111; case R14 -> 112; case R15 -> 113;
            case GDTR -> 243; case MSR -> 248;
        };
    }
}
