package dev.arenaemu.emulator.cpu;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Code hooks share one upcall stub per engine and are told apart by their user_data key: each
 * hook sees only its own range, and a deleted hook is never called again (a reused machine adds
 * and removes hooks for every job).
 */
class CodeHookTest {
    private static final byte[] NOPS = {(byte) 0x90, (byte) 0x90};

    @Test
    void eachHookSeesItsOwnRangeAndADeletedHookIsSilent() {
        try (Machine m = new Machine()) {
            Cpu k = m.kernelCpu();
            Stubs.Stub a = m.stubs().kernel(NOPS);
            Stubs.Stub b = m.stubs().kernel(NOPS);
            List<String> seen = new ArrayList<>();
            long ha = k.hookCode(a.address(), a.end() - 1, (address, size) -> seen.add("a@" + (address - a.address())));
            k.hookCode(b.address(), b.end() - 1, (address, size) -> seen.add("b@" + (address - b.address())));
            assertInstanceOf(RunResult.Returned.class, k.run(a.address(), a.end(), Budget.SHORT));
            assertInstanceOf(RunResult.Returned.class, k.run(b.address(), b.end(), Budget.SHORT));
            assertEquals(List.of("a@0", "a@1", "b@0", "b@1"), seen);

            seen.clear();
            k.unhook(ha);
            long hc = k.hookCode(a.address(), a.address(), (address, size) -> seen.add("c@" + (address - a.address())));
            assertInstanceOf(RunResult.Returned.class, k.run(a.address(), a.end(), Budget.SHORT));
            assertEquals(List.of("c@0"), seen, "the deleted hook is silent, the new one fires");
            k.unhook(hc);
        }
    }
}
