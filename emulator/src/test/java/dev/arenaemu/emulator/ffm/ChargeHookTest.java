package dev.arenaemu.emulator.ffm;

import dev.arenaemu.emulator.x86.X86Reg;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The native budget charge ({@link Unicorn#hookCharge}, {@link ChargeCode}) on a raw engine:
 * it stops a run before the instruction that overdraws the countdown, exactly where Unicorn's own
 * instruction count stops when it charges every instruction, and only at its points otherwise.
 */
class ChargeHookTest {
    private static final long CODE = 0x1000;
    /** mov ecx, 100000; loop: dec ecx; jnz loop — then CODE + 9. */
    private static final byte[] LOOP = {(byte) 0xB9, (byte) 0xA0, (byte) 0x86, 0x01, 0x00, (byte) 0xFF, (byte) 0xC9, 0x75, (byte) 0xFC};
    private static final long HEAD = CODE + 5, END = CODE + LOOP.length;

    private static Unicorn engine() {
        Unicorn uc = new Unicorn();
        uc.memMap(CODE, 0x1000, Unicorn.PROT_ALL);
        uc.memWrite(CODE, LOOP);
        return uc;
    }

    @Test
    void chargingEveryInstructionStopsWhereUnicornsCountStops() {
        try (Unicorn counted = engine(); Unicorn charged = engine()) {
            counted.start(CODE, END, 0, 1000);
            Unicorn.Countdown left = charged.countdown();
            charged.hookCharge(CODE, END - 1, left, 1);
            left.set(1000);
            charged.start(CODE, END, 0, 0);
            // mov, 499 x (dec, jnz), dec: the 1001st instruction (a jnz) does not run
            assertEquals(100_000 - 500, charged.regRead(X86Reg.RCX));
            assertEquals(counted.regRead(X86Reg.RCX), charged.regRead(X86Reg.RCX));
            assertEquals(counted.regRead(X86Reg.RIP), charged.regRead(X86Reg.RIP));
            assertEquals(-1, left.get());
        }
    }

    @Test
    void aLoopHeadChargeStopsBeforeTheVisitThatOverdraws() {
        try (Unicorn uc = engine()) {
            Unicorn.Countdown left = uc.countdown();
            uc.hookCharge(HEAD, HEAD, left, 7);
            left.set(100);
            uc.start(CODE, END, 0, 0);
            // 14 visits cost 98; the 15th overdraws, so its dec does not run
            assertEquals(100_000 - 14, uc.regRead(X86Reg.RCX));
            assertEquals(HEAD, uc.regRead(X86Reg.RIP));
            assertEquals(100 - 15 * 7, left.get());
        }
    }

    @Test
    void codeOutsideEveryChargeRunsFreeAndADeletedChargeNoLongerCosts() {
        try (Unicorn uc = engine()) {
            Unicorn.Countdown left = uc.countdown();
            long head = uc.hookCharge(HEAD, HEAD, left, 1);
            uc.hookDelete(head);
            left.set(10);
            uc.start(CODE, END, 0, 0);
            assertEquals(0, uc.regRead(X86Reg.RCX), "100,000 iterations with nothing charged");
            assertEquals(10, left.get());
            uc.hookCharge(HEAD, HEAD, left, 3);   // reuses the deleted hook's record
            uc.start(CODE, END, 0, 0);
            assertEquals(HEAD, uc.regRead(X86Reg.RIP));
            assertTrue(left.get() < 0);
            assertEquals(100_000 - 3, uc.regRead(X86Reg.RCX), "visits 1-3 cost 9, the 4th overdraws");
        }
    }
}
