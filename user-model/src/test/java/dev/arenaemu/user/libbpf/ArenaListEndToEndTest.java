package dev.arenaemu.user.libbpf;

import dev.arenaemu.emulator.cpu.Budget;
import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.bpf.elf.ArenaGlobalsPlacement;
import dev.arenaemu.user.exec.UserResult;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Selftest 12-5 (prog_tests/arena_list.c, docs/scenario-catalogue.md#12-5-arena_list) end to end:
 * clang-19 object → libbpf load in a process (arena mmapped at map_extra = 1 << 44, globals copied
 * in at CPL3) → BPF_PROG_TEST_RUN of the JIT'd arena_list_add → user machine code at CPL3 follows
 * the pointers BPF stored.
 */
class ArenaListEndToEndTest {
    /** sum(list) at CPL3: rdi = head; node = {next, value}; see ArenaLinkedListWalkTest. */
    static final byte[] SUM_LIST = {0x31, (byte) 0xC0, 0x48, (byte) 0x85, (byte) 0xFF, 0x74, 0x09,
        0x48, 0x03, 0x47, 0x08, 0x48, (byte) 0x8B, 0x3F, (byte) 0xEB, (byte) 0xF2, (byte) 0xC3};

    @ParameterizedTest(name = "cnt={0}, {1}, {2}")
    @CsvSource({"1, V6_13, OFFSET_ZERO", "1000, V6_13, OFFSET_ZERO", "1, LATEST, END_OF_ARENA", "1000, LATEST, END_OF_ARENA",
        "1000, V7_0, END_OF_ARENA"})
    void arenaList_userWalksTheListBpfBuilt_thenSumIsZeroAfterDel(int cnt, KernelEra era, ArenaGlobalsPlacement placement) throws Exception {
        try (LibbpfWorld w = new LibbpfWorld(era)) {
            BpfSkeleton skel = w.load("arena_list.bpf.c", OpenOptions.placement(placement));
            assertEquals(1L << 44, skel.arenaBase(), "MAP_FIXED at map_extra");
            assertEquals(1, w.user.user().load(skel.arenaGlobal("test_val"), 4).value(), "initial image copied by libbpf");

            skel.bss().set("cnt", cnt);
            assertEquals(0, skel.program("arena_list_add").testRun().r0());

            long head = skel.bss().get("list_head");
            assertEquals(skel.arenaGlobal("global_head"), head, "list_head = &global_head, a user pointer");
            long code = w.user.loadCode(SUM_LIST);
            long first = w.user.user().load(head, 8).value();
            long expected = cnt * (cnt - 1L) / 2;
            assertEquals(new UserResult.Exited(expected), w.user.call(code, Budget.DEFAULT, first));
            assertEquals(expected, w.user.user().load(skel.arenaGlobal("arena_sum"), 8).value());
            assertEquals(cnt + 1, w.user.user().load(skel.arenaGlobal("test_val"), 4).value());

            assertEquals(0, skel.program("arena_list_del").testRun().r0());
            assertEquals(expected, skel.bss().get("list_sum"));
            assertEquals(0, w.user.user().load(head, 8).value(), "list_head->first = NULL");
            assertEquals(new UserResult.Exited(0), w.user.call(code, Budget.DEFAULT, w.user.user().load(head, 8).value()));
            assertTrue(w.kernel.events().isEmpty(), () -> "kernel events: " + w.kernel.events());
            var arena = skel.arenaMap();
            skel.destroy();
            assertTrue(arena.arena().isFreed(), "bpf_object__destroy: programs unloaded, arena unmapped, fds closed");
            assertTrue(w.bpf.maps().isEmpty());
            assertTrue(w.kernel.events().isEmpty(), () -> "every page freed exactly once: " + w.kernel.events());
            assertFalse(Errno.isErrValue(code));
        }
    }
}
