package dev.arenaemu.scenarios.replay;

import dev.arenaemu.emulator.paging.PageTable;
import dev.arenaemu.emulator.paging.PteFlag;
import dev.arenaemu.kernel.arena.Arena;
import dev.arenaemu.scenarios.check.Invariant;
import dev.arenaemu.scenarios.check.InvariantChecker;
import dev.arenaemu.scenarios.check.Violation;
import dev.arenaemu.scenarios.check.WorldState;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checker covers every live arena, not only the first: a world with two arenas whose user
 * ranges have the same low 32 bits (so each user page has a same-lo32 twin in the other arena's
 * kernel range), both mapped by two processes, broken on purpose in the SECOND arena by writing
 * page-table bytes the way a buggy kernel path would.
 */
class TwoArenaInvariantCheckerTest {
    /** Arena "arena" at 0x1000_0000_0000 and "other" at 0x2000_0000_0000, 4 pages each, pgoff 1 of both faulted in. */
    private static final String SETUP = """
        {"name": "two arenas", "era": "v6.13", "processes": ["U", "V"],
         "arena": {"max_entries": 4, "map_extra": "0x1000_0000_0000"},
         "steps": [
           {"op": "create_arena", "name": "other", "max_entries": 4, "map_extra": "0x2000_0000_0000"},
           {"op": "mmap", "addr": "0x1000_0000_0000", "length": "16K", "flags": "SHARED|FIXED", "as": "A"},
           {"op": "mmap", "arena": "other", "addr": "0x2000_0000_0000", "length": "16K", "flags": "SHARED|FIXED", "as": "B"},
           {"op": "mmap", "process": "V", "arena": "other", "addr": "B", "length": "16K", "flags": "SHARED|FIXED"},
           {"op": "write", "addr": "A+4K", "value": 1},
           {"op": "write", "addr": "B+4K", "value": 2},
           {"op": "read", "process": "V", "addr": "B+4K"}
         ]}""";

    private static World setUp() throws Exception {
        return PlayedScenario.play("two-arenas.json", SETUP).world();
    }

    private static Arena other(World w) {
        return w.arenaMap("other").orElseThrow().arena();
    }

    private static Set<Invariant> broken(List<Violation> v) {
        return v.stream().map(Violation::invariant).collect(Collectors.toSet());
    }

    @Test
    void theSnapshotHoldsBothArenasWithTheirOwnVmasAndPtes() throws Exception {
        try (World w = setUp()) {
            WorldState s = w.state();
            assertEquals(List.of("arena", "other"), s.arenas().stream().map(WorldState.ArenaState::name).toList());
            assertEquals(1, s.arena("other").orElseThrow().kernelPtes().size(), "other's pgoff 1, in other's own kernel range");
            WorldState.SpaceState u = s.spaces().getFirst();
            assertEquals(List.of("arena", "other"), u.arenaVmas().stream().map(WorldState.VmaRange::arena).toList());
            assertEquals(2, u.ptes().size(), "U faulted in one page of each arena");
            // Each user PTE is checked against the kernel PTE of ITS arena: against the first
            // arena's same-lo32 page, B+4K would map the wrong frame.
            assertEquals(List.of(), InvariantChecker.check(s, 0), "the untouched two-arena world is consistent");
        }
    }

    @Test
    void freeWithoutZapInTheSecondArenaIsReportedAgainstThatArena() throws Exception {
        try (World w = setUp()) {
            long b = w.lookup("B");
            // bpf_arena_free_pages() minus zap_pages(), in "other": its kernel PTE goes, U's and V's stay.
            w.machine().kernelPageTable().unmap(other(w).kernelAddress(b + 4096));
            List<Violation> v = InvariantChecker.check(w.state(), 1);
            assertEquals(Set.of(Invariant.USER_PTE_MATCHES_KERNEL, Invariant.FRAME_REFCOUNT), broken(v), v.toString());
            assertEquals(2, v.stream().filter(x -> x.invariant() == Invariant.USER_PTE_MATCHES_KERNEL).count(), "U and V: " + v);
            for (Violation x : v) assertTrue(x.detail().startsWith("arena other: "), x.describe());
        }
    }

    /**
     * The aliasing the per-arena lookup exists for: V's PTE at B+4K redirected to the frame of
     * the FIRST arena's pgoff 1 — the very frame kern_vm_start + lo32(B+4K) maps in the first
     * arena. Checked against the first arena it would look right; against "other"'s kernel PTE
     * (arena_vm_fault() of other's VMA uses other's kern_vm_start) it is wrong.
     */
    @Test
    void userPteOfTheSecondArenaMappingTheFirstArenasPageIsReported() throws Exception {
        try (World w = setUp()) {
            long a = w.lookup("A"), b = w.lookup("B");
            assertEquals(a & 0xFFFF_FFFFL, b & 0xFFFF_FFFFL, "the two arenas' user ranges share their low 32 bits");
            Arena first = w.requireArena("test");
            long firstFrame = WorldState.frameOf(w.machine().kernelPageTable().entry(first.kernelAddress(a + 4096)));
            PageTable v = w.processes().get("V").mm().pageTable();
            v.map(b + 4096, firstFrame, PteFlag.RW | PteFlag.US);
            List<Violation> found = InvariantChecker.check(w.state(), 1);
            assertTrue(found.stream().anyMatch(x -> x.invariant() == Invariant.USER_PTE_MATCHES_KERNEL
                && x.detail().startsWith("arena other: V: user PTE")), found.toString());
            assertTrue(found.stream().anyMatch(x -> x.invariant() == Invariant.FRAME_REFCOUNT
                && x.detail().startsWith("arenas arena, other: ")), "the first arena's frame gained a mapping from other's VMA: " + found);
        }
    }

    @Test
    void kernelPteInTheSecondArenasUpperGuardIsReported() throws Exception {
        try (World w = setUp()) {
            Arena o = other(w);
            long populated = w.machine().kernelPageTable().entry(o.kernelAddress(w.lookup("B") + 4096));
            // s16 offsets reach up to 32 KiB past the 4 GiB window: that half of the guard must stay empty.
            w.machine().kernelPageTable().map(o.kernVmStart() + (1L << 32), WorldState.frameOf(populated), PteFlag.RW);
            List<Violation> v = InvariantChecker.check(w.state(), 1);
            assertTrue(v.stream().anyMatch(x -> x.invariant() == Invariant.KERNEL_PTE_IN_RANGE
                && x.detail().startsWith("arena other: ") && x.detail().contains("in the guard")), v.toString());
        }
    }

    @Test
    void vmaOfTheSecondArenaMissingFromItsVmaListIsReported() throws Exception {
        try (World w = setUp()) {
            // What a missing remember_vma() would leave: a VMA of "other" that other's vma_list does not account for.
            WorldState s = w.state();
            WorldState.ArenaState o = s.arena("other").orElseThrow();
            var forgetful = new WorldState.ArenaState(o.name(), o.userVmStart(), o.userVmEnd(), o.kernVmStart(), o.guardSize(),
                o.kernelPtes(), o.freeRuns(), o.vmaList().subList(0, 1), o.scratchFrame());
            WorldState broken = new WorldState(List.of(s.arenas().getFirst(), forgetful), s.spaces(), s.frames());
            List<Violation> v = InvariantChecker.check(broken, 1);
            assertEquals(List.of(Invariant.VMA_LIST_MATCHES), v.stream().map(Violation::invariant).toList(), v.toString());
            assertTrue(v.getFirst().detail().startsWith("arena other: vma_list accounts for 1 VMA(s) but 2 arena VMA(s) exist"), v.getFirst().detail());
        }
    }
}
