package dev.arenaemu.scenarios.format;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a well-formed scenario reads as: defaults, flag spellings, numbering and bindings. */
class ScenarioReaderTest {
    private static Scenario read(String json) throws ScenarioException {
        return ScenarioReader.parse(Path.of("t.json"), json);
    }

    @Test
    void topLevelArenaIsASetupStepBeforeTheNumberedSteps() throws Exception {
        Scenario s = read("""
            {"name": "n", "era": ["v6.13", "latest"], "arena": {"max_entries": 4},
             "steps": [{"op": "mmap", "length": "16K"}]}""");
        assertEquals(Set.of(Era.V6_13, Era.LATEST), s.eras());
        assertEquals(List.of("U"), s.processes());
        Step.CreateArena setup = assertInstanceOf(Step.CreateArena.class, s.steps().get(0));
        assertEquals(-1, setup.common().index());
        assertEquals(ArenaSpec.BPF_F_MMAPABLE, setup.spec().flags(), "MMAPABLE by default");
        Step.Mmap mmap = assertInstanceOf(Step.Mmap.class, s.steps().get(1));
        assertEquals(0, mmap.common().index());
        assertEquals(Names.PROT_READ | Names.PROT_WRITE, mmap.prot());
        assertEquals(Names.MAP_SHARED, mmap.flags());
        assertEquals("U", mmap.process());
    }

    @Test
    void flagsMayBeNamesWithOrWithoutPrefixListsPipesOrNumbers() throws Exception {
        Scenario s = read("""
            {"name": "n", "era": "v6.13", "steps": [
              {"op": "create_arena", "max_entries": 1, "flags": ["BPF_F_MMAPABLE", "SEGV_ON_FAULT"]},
              {"op": "create_arena", "max_entries": 1, "flags": "MMAPABLE|NO_USER_CONV"},
              {"op": "create_arena", "max_entries": 1, "flags": 1024},
              {"op": "mmap", "length": 4096, "flags": "MAP_SHARED|MAP_FIXED", "prot": ["PROT_READ"]}]}""");
        assertEquals(0x400 | 0x20000, ((Step.CreateArena) s.steps().get(0)).spec().flags());
        assertEquals(0x400 | 0x40000, ((Step.CreateArena) s.steps().get(1)).spec().flags());
        assertEquals(0x400, ((Step.CreateArena) s.steps().get(2)).spec().flags());
        assertEquals(0x11, ((Step.Mmap) s.steps().get(3)).flags());
        assertEquals(1, ((Step.Mmap) s.steps().get(3)).prot());
    }

    @Test
    void asBindsForLaterStepsAndTheStepsOwnExpectationsButNotItsArguments() throws Exception {
        Scenario s = read("""
            {"name": "n", "era": "v6.13", "arena": {"max_entries": 4}, "steps": [
              {"op": "mmap", "length": "16K", "as": "X", "expect": {"ret": "X"}},
              {"op": "read", "addr": "X+8K"}]}""");
        assertEquals("X+8K", ((Step.Read) s.steps().get(2)).addr().text());
        ScenarioException e = assertThrows(ScenarioException.class, () -> read("""
            {"name": "n", "era": "v6.13", "arena": {"max_entries": 4}, "steps": [
              {"op": "mmap", "addr": "X", "length": "16K", "as": "X"}]}"""));
        assertTrue(e.getMessage().contains("unknown symbol \"X\""), e.getMessage());
    }

    @Test
    void forkDeclaresTheChildForLaterSteps() throws Exception {
        Scenario s = read("""
            {"name": "n", "era": "latest", "processes": ["P"], "arena": {"max_entries": 4}, "steps": [
              {"op": "fork", "child": "C"},
              {"op": "read", "process": "C", "addr": "base", "expect": {"pages": [{"addr": "base", "user": {"C": false}}]}}]}""");
        assertEquals("C", ((Step.Read) s.steps().get(2)).process());
    }

    @Test
    void expectationsReadErrnosSignalsAndNull() throws Exception {
        Scenario s = read("""
            {"name": "n", "era": "v6.13", "arena": {"max_entries": 4}, "steps": [
              {"op": "mmap", "length": "16K", "flags": "PRIVATE", "expect": {"errno": "EINVAL"}},
              {"op": "kfunc", "name": "bpf_arena_alloc_pages", "page_cnt": 9, "expect": {"null": true}},
              {"op": "read", "addr": "base", "expect": {"signal": {"signo": "SIGSEGV", "code": "SEGV_MAPERR", "addr": "base"}}}]}""");
        assertEquals(new Expect.Errno("EINVAL", 22), s.steps().get(1).common().expect().errno().orElseThrow());
        assertEquals(0, s.steps().get(2).common().expect().ret().orElseThrow().expr().eval(n -> 1));
        assertEquals(Step.Kfunc.ALLOC_PAGES, ((Step.KfuncCall) s.steps().get(2)).kfunc());
        Expect.SignalExpect sig = s.steps().get(3).common().expect().signal().orElseThrow();
        assertEquals(11, sig.signo());
        assertEquals("SEGV_MAPERR", sig.code().orElseThrow());
    }

    /** Arena names resolve like symbols: created before use (the step's own expectations may name the arena it creates). */
    @Test
    void arenaFieldsNameAnArenaCreatedBeforeThem() throws Exception {
        Scenario s = read("""
            {"name": "n", "era": "v6.13", "arena": {"max_entries": 4}, "steps": [
              {"op": "create_arena", "name": "other", "max_entries": 4, "expect": {"arena": "other", "vma_list": 0}},
              {"op": "mmap", "arena": "other", "length": "16K"},
              {"op": "kfunc", "name": "alloc_pages", "arena": "other", "page_cnt": 1,
               "expect": {"pages": [{"addr": "base", "arena": "arena"}, {"addr": "base"}]}},
              {"op": "map_op", "name": "lookup", "arena": "other"}],
             "final": {"arena": "other", "vma_list": 1}}""");
        assertEquals(Optional.of("other"), s.steps().get(1).common().expect().arena());
        assertEquals(Optional.of("other"), ((Step.Mmap) s.steps().get(2)).arena());
        Step.KfuncCall k = (Step.KfuncCall) s.steps().get(3);
        assertEquals(Optional.of("other"), k.arena());
        assertEquals(List.of(Optional.of("arena"), Optional.empty()), k.common().expect().pages().stream().map(Expect.PageExpect::arena).toList());
        assertEquals(Optional.of("other"), ((Step.MapOperation) s.steps().get(4)).arena());
        assertEquals(Optional.of("other"), s.finalState().arena());

        ScenarioException later = assertThrows(ScenarioException.class, () -> read("""
            {"name": "n", "era": "v6.13", "arena": {"max_entries": 4}, "steps": [
              {"op": "mmap", "arena": "other", "length": "16K"},
              {"op": "create_arena", "name": "other", "max_entries": 4}]}"""));
        assertTrue(later.getMessage().contains("t.json:2:27: unknown arena \"other\" (created so far: arena;"), later.getMessage());
        ScenarioException anon = assertThrows(ScenarioException.class, () -> read("""
            {"name": "n", "era": "v6.13", "arena": {"max_entries": 4}, "steps": [
              {"op": "mmap", "anonymous": true, "arena": "arena", "length": "16K"}]}"""));
        assertTrue(anon.getMessage().contains("an \"anonymous\" mmap maps no arena"), anon.getMessage());
    }
}
