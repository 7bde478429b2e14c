package dev.arenaemu.user.libbpf;

import dev.arenaemu.kernel.Errno;
import dev.arenaemu.kernel.KernelEra;
import dev.arenaemu.kernel.bpf.elf.ArenaGlobalsPlacement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.*;

/**
 * libbpf's arena handling (docs/semantics.md#libbpf): create, mmap in the loading process, copy the
 * {@code __arena} globals with user writes, and where the globals go (catalogue 62–64).
 */
class LibbpfGlobalsTest {
    static final long BASE = 1L << 44;
    static final long PAGE = 4096;

    @Test
    void scenario62_globalsAtOffsetZeroPushTheFirstAllocationToTheSecondPage() throws Exception {
        try (LibbpfWorld w = new LibbpfWorld(KernelEra.V6_13)) {
            BpfSkeleton skel = w.load("arena_globals.bpf.c", OpenOptions.placement(ArenaGlobalsPlacement.OFFSET_ZERO));
            assertEquals(BASE, skel.arenaBase());
            assertEquals(BASE, skel.arenaGlobals(), "skel->arena = base");
            assertTrue(w.user.mm().pageTable().walk(BASE).present(), "libbpf's copy faulted pgoff 0 in from user space");
            assertEquals(1, skel.arenaMap().arena().populatedPages());
            assertEquals(7, w.user.user().load(skel.arenaGlobal("blob"), 1).value());

            assertEquals(0, skel.program("alloc_page").testRun().r0());
            assertEquals(BASE + PAGE, skel.bss().get("got"));
            assertEquals(7, skel.program("bump_counter").testRun().r0(), "BPF reads the image libbpf copied");
            assertEquals(42, w.user.user().load(skel.arenaGlobal("counter"), 4).value(), "and user space sees BPF's increment");
        }
    }

    @Test
    void scenario63_globalsAtTheEndLeaveTheBaseToTheFirstAllocation() throws Exception {
        try (LibbpfWorld w = new LibbpfWorld(KernelEra.V7_0)) {
            BpfSkeleton skel = w.load("arena_globals.bpf.c", OpenOptions.placement(ArenaGlobalsPlacement.END_OF_ARENA));
            assertEquals(BASE, skel.initialValue(), "bpf_map__initial_value returns the mapping base");
            assertEquals(100 * PAGE, skel.arenaSize());
            assertEquals(BASE + 99 * PAGE, skel.arenaGlobals(), "skel->arena = base + 99 pages");
            assertTrue(w.user.mm().pageTable().walk(BASE + 99 * PAGE).present());
            assertFalse(w.user.mm().pageTable().walk(BASE).present());

            assertEquals(0, skel.program("alloc_page").testRun().r0());
            assertEquals(BASE, skel.bss().get("got"));
            skel.bss().set("want", BASE + 99 * PAGE);
            assertEquals(0, skel.program("alloc_page").testRun().r0());
            assertEquals(0, skel.bss().get("got"), "the globals' page is taken");
            assertEquals(7, skel.program("bump_counter").testRun().r0());
            assertEquals(42, w.user.user().load(skel.arenaGlobal("counter"), 4).value());
        }
    }

    /**
     * bpf_object__open refuses: scenario 64's globals larger than the arena (E2BIG, libbpf's
     * init_arena_map_data), __arena globals without an ARENA map, and two ARENA maps in one
     * object (libbpf supports one).
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        arena_globals_too_big.bpf.c       | E2BIG  | declared ARENA map size (8192) is too small to hold global __arena variables of size 12288
        arena_globals_without_arena.bpf.c | EINVAL | global __arena variables (.addr_space.1) need an ARENA map
        two_arenas.bpf.c                  | EINVAL | only single ARENA map is supported
        """)
    void objectsLibbpfRefusesAtOpen(String source, Errno errno, String message) {
        LibbpfException e = assertThrows(LibbpfException.class, () -> LibbpfObject.open(BpfObjects.compile(source), OpenOptions.DEFAULT));
        assertEquals(errno, e.errno());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void anObjectLoadsOnce() throws Exception {
        try (LibbpfWorld w = new LibbpfWorld(KernelEra.LATEST)) {
            LibbpfObject object = LibbpfObject.open(BpfObjects.compile("arena_globals.bpf.c"), OpenOptions.DEFAULT);
            object.load(w.user, w.bpf);
            assertEquals(Errno.EINVAL, assertThrows(LibbpfException.class, () -> object.load(w.user, w.bpf)).errno());
        }
    }

    @Test
    void anArenaTheProcessCannotMapFailsTheLoadWithFailedToMmapArena() throws Exception {
        try (LibbpfWorld w = new LibbpfWorld(KernelEra.LATEST)) {
            LibbpfException e = assertThrows(LibbpfException.class, () -> w.load("arena_unmappable.bpf.c", OpenOptions.DEFAULT));
            assertEquals(Errno.ENOMEM, e.errno());
            assertTrue(e.getMessage().contains("map 'arena': failed to mmap arena"), e.getMessage());
            assertTrue(w.bpf.maps().isEmpty(), "the arena was released again");
        }
    }

    @Test
    void loadingWithoutCapabilitiesFailsAtMapCreation() throws Exception {
        try (LibbpfWorld w = new LibbpfWorld(KernelEra.LATEST, java.util.Set.of())) {
            LibbpfException e = assertThrows(LibbpfException.class, () -> w.load("arena_globals.bpf.c", OpenOptions.DEFAULT));
            assertEquals(Errno.EPERM, e.errno());
        }
    }

    @Test
    void scenario68_aLoadedProgramKeepsTheArenaAfterFdCloseAndMunmap() throws Exception {
        try (LibbpfWorld w = new LibbpfWorld(KernelEra.LATEST)) {
            long framesBefore = w.kernel.frames().used();
            LibbpfObject object = LibbpfObject.open(BpfObjects.compile("arena_globals.bpf.c"), OpenOptions.DEFAULT);
            BpfSkeleton skel = object.load(w.user, w.bpf);
            var arena = skel.arenaMap();
            var prog = skel.program("alloc_page").prog();
            // the user populates a page too, then drops every user-side handle but the program
            assertEquals(0, w.user.user().store(BASE + 5 * PAGE, 8, 9).value());
            assertEquals(0, w.user.munmap(BASE, skel.arenaSize()));
            assertEquals(0, w.user.close(skel.arenaFd()), "close drops the fd's reference");
            w.bpf.mapRelease(skel.map(".bss").orElseThrow());
            assertFalse(arena.isFreed(), "prog->aux->used_maps holds it");

            assertEquals(0, w.bpf.progTestRun(prog).r0());
            assertEquals(BASE, skel.bss().get("got"), "alloc works with the original base");
            assertEquals(3, arena.arena().populatedPages(), "globals page, user page, BPF page");

            skel.programs().forEach(p -> w.bpf.progRelease(p.prog()));
            assertTrue(arena.isFreed());
            assertTrue(arena.arena().isFreed());
            assertTrue(w.kernel.events().isEmpty(), () -> "every page freed exactly once: " + w.kernel.events());
            assertTrue(w.kernel.frames().used() <= framesBefore, "frames in use " + w.kernel.frames().used() + " > " + framesBefore);
        }
    }

    /**
     * Catalogue 68 (docs/semantics.md#teardown): with programs unloaded and the arena unmapped,
     * close() of its fd frees it.
     */
    @Test
    void scenario68_closingTheLastFdFreesTheArena() throws Exception {
        try (LibbpfWorld w = new LibbpfWorld(KernelEra.V6_13)) {
            BpfSkeleton skel = loadThenUnloadProgramsAndUnmap(w);
            var arena = skel.arenaMap();
            assertEquals(1, arena.refs(), "only the fd is left");

            assertEquals(0, w.user.close(skel.arenaFd()));
            assertTrue(arena.isFreed());
            assertTrue(arena.arena().isFreed(), "arena_map_free ran with the fd's reference");
            assertEquals(Errno.EBADF.neg(), w.user.close(skel.arenaFd()), "a second close is -EBADF and puts nothing");
            assertTrue(w.kernel.events().isEmpty(), () -> "no warning, no leak: " + w.kernel.events());
        }
    }

    /** arena_globals loaded in {@code w}'s process, then its programs released and the arena unmapped: only the fd holds the arena. */
    private static BpfSkeleton loadThenUnloadProgramsAndUnmap(LibbpfWorld w) throws LibbpfException {
        BpfSkeleton skel = w.load("arena_globals.bpf.c", OpenOptions.DEFAULT);
        skel.programs().forEach(p -> w.bpf.progRelease(p.prog()));
        assertEquals(0, w.user.munmap(skel.arenaBase(), skel.arenaSize()));
        return skel;
    }

    /** A forked child's copy of the fd table holds its own references; exit drops them. */
    @Test
    void scenario68_forkedFdsAndExitDropTheirReferences() throws Exception {
        try (LibbpfWorld w = new LibbpfWorld(KernelEra.LATEST)) {
            BpfSkeleton skel = loadThenUnloadProgramsAndUnmap(w);
            var arena = skel.arenaMap();
            var child = w.user.fork();
            assertEquals(2, arena.refs(), "parent's fd and child's fd");

            assertEquals(0, w.user.close(skel.arenaFd()));
            assertFalse(arena.isFreed(), "the child's fd holds the map");
            child.exit();
            assertTrue(arena.isFreed(), "exit closed the child's fd");
            assertTrue(arena.arena().isFreed());
        }
    }

    /** A mapping is a reference too (vm_file, docs/semantics.md#teardown): the last munmap frees the arena. */
    @Test
    void aMappingKeepsTheArenaAfterFdCloseAndProgramUnloadUntilMunmap() throws Exception {
        try (LibbpfWorld w = new LibbpfWorld(KernelEra.LATEST)) {
            BpfSkeleton skel = w.load("arena_globals.bpf.c", OpenOptions.DEFAULT);
            var arena = skel.arenaMap();
            assertEquals(0, skel.program("alloc_page").testRun().r0());
            long page = skel.bss().get("got");
            assertEquals(0, w.user.user().store(page, 8, 77).value());

            skel.programs().forEach(p -> w.bpf.progRelease(p.prog()));
            assertEquals(0, w.user.close(skel.arenaFd()));
            assertFalse(arena.isFreed(), "the VMA's vm_file holds the map");
            assertEquals(77, w.user.user().load(page, 8).value(), "the mapping still shows the page");

            assertEquals(0, w.user.munmap(skel.arenaBase(), skel.arenaSize()));
            assertTrue(arena.isFreed());
            assertTrue(arena.arena().isFreed(), "arena_map_free ran with the last reference");
            assertTrue(w.kernel.events().isEmpty(), () -> "no warning, no leak: " + w.kernel.events());
            assertFalse(w.bpf.maps().contains(arena));
        }
    }

    /** E3: fork copies the arena VMA (vm_ops->open takes a vm_file reference), so the child's exit frees it. */
    @Test
    void e3_aForkedChildsCopyOfTheMappingKeepsTheArenaUntilTheChildExits() throws Exception {
        try (LibbpfWorld w = new LibbpfWorld(KernelEra.V6_13)) {
            BpfSkeleton skel = w.load("arena_globals.bpf.c", OpenOptions.DEFAULT);
            var arena = skel.arenaMap();
            var child = w.user.fork();
            skel.destroy();
            assertFalse(arena.isFreed(), "the child's VMA still holds the map");
            assertEquals(7, child.user().load(skel.arenaGlobal("blob"), 1).value(), "the child faults the globals page in");
            child.exit();
            assertTrue(arena.isFreed());
            assertTrue(arena.arena().isFreed());
        }
    }

}
