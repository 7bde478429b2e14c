package dev.arenaemu.scenarios.format;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The format's newer fields as the reader takes them (fork children in the fork's own
 * expectations, mcpu, retval and stderr, kfunc map types, inline programs' map names, sym())
 * and the bounds that keep hostile expressions a located error.
 */
class FormatAdditionsTest {
    private static Scenario read(String json) throws ScenarioException {
        return ScenarioReader.parse(Path.of("t.json"), json);
    }

    private static String error(String json) {
        return assertThrows(ScenarioException.class, () -> read(json)).getMessage();
    }

    @Test
    void aForksOwnExpectationsMayNameTheChildButItsProcessMayNot() throws Exception {
        Scenario s = read("""
            {"name": "n", "era": "v6.13", "arena": {"max_entries": 4},
             "steps": [{"op": "mmap", "length": "16K", "as": "X"},
                       {"op": "fork", "child": "C", "expect": {"pages": [{"addr": "X", "user": {"U": false, "C": false}}]}},
                       {"op": "read", "process": "C", "addr": "X"}]}""");
        Step.Fork fork = assertInstanceOf(Step.Fork.class, s.steps().get(2));
        assertEquals(Map.of("U", false, "C", false), fork.common().expect().pages().getFirst().user());
        // The child does not exist before the fork: it cannot be the forking process.
        String msg = error("""
            {"name": "n", "era": "v6.13", "arena": {"max_entries": 4},
             "steps": [{"op": "fork", "process": "C", "child": "C"}]}""");
        assertTrue(msg.contains("t.json:2:38: unknown process \"C\""), msg);
        // Nor may another step's expectations name a child that is never forked.
        msg = error("""
            {"name": "n", "era": "v6.13", "arena": {"max_entries": 4},
             "steps": [{"op": "checkpoint", "expect": {"pages": [{"addr": "base", "user": {"C": false}}]}}]}""");
        assertTrue(msg.contains("unknown process \"C\""), msg);
    }

    @Test
    void mcpuIsClangsAndOnlyForCSources(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("p.c"), "int x;");
        Path file = dir.resolve("s.json");
        String template = """
            {"name": "n", "era": "v6.13", "arena": {"max_entries": 4},
             "programs": {"P": {"file": "p.c", "mcpu": "%s"}, "Q": {"file": "p.c"}},
             "steps": [{"op": "checkpoint"}]}""";
        Scenario s = ScenarioReader.parse(file, template.formatted("v3"));
        assertEquals("v3", s.programs().get("P").mcpu());
        assertEquals("v4", s.programs().get("Q").mcpu(), "the default");
        assertTrue(!s.programs().get("P").objectKey().equals(s.programs().get("Q").objectKey()), "another -mcpu is another object");
        String msg = assertThrows(ScenarioException.class, () -> ScenarioReader.parse(file, template.formatted("v5"))).getMessage();
        assertTrue(msg.contains("s.json:2:44: \"mcpu\" must be one of v2, v3, v4"), msg);
        msg = error("""
            {"name": "n", "era": "v6.13", "arena": {"max_entries": 4},
             "programs": {"P": {"asm": "r0 = 0\\nexit", "mcpu": "v3"}},
             "steps": [{"op": "checkpoint"}]}""");
        assertTrue(msg.contains("t.json:2:52: \"mcpu\" is clang's -mcpu: only a program compiled from a .c file has one"), msg);
    }

    @Test
    void retvalAndStderrBelongToRunProgram() throws Exception {
        Scenario s = read("""
            {"name": "n", "era": "v7.0", "arena": {"max_entries": 4},
             "programs": {"P": {"asm": "r0 = 0\\nexit"}},
             "steps": [{"op": "run_program", "program": "P", "expect": {"retval": 0,
                        "stderr": [{"arena_violation": "WRITE", "addr": "base+8K"}, {"arena_violation": "READ", "addr": "clear_lo32(base)-8"}]}}]}""");
        Expect e = s.steps().get(1).common().expect();
        assertEquals("0", e.retval().orElseThrow().text());
        assertEquals(2, e.stderr().orElseThrow().size());
        assertTrue(e.stderr().get().getFirst().write());
        assertEquals("ERROR: Arena WRITE access at unmapped address 0x100000002000", e.stderr().get().getFirst().text(0x1000_0000_2000L),
            "the wording of bpf_prog_report_arena_violation");
        String msg = error("""
            {"name": "n", "era": "v7.0", "arena": {"max_entries": 4},
             "steps": [{"op": "kfunc", "name": "alloc_pages", "page_cnt": 1, "expect": {"stderr": []}}]}""");
        assertTrue(msg.contains("t.json:2:87: \"stderr\" is what BPF_PROG_TEST_RUN reports: only a run_program step has it"), msg);
        msg = error("""
            {"name": "n", "era": "v7.0", "arena": {"max_entries": 4},
             "programs": {"P": {"asm": "r0 = 0\\nexit"}},
             "steps": [{"op": "run_program", "program": "P", "expect": {"stderr": [{"arena_violation": "EXEC", "addr": 0}]}}]}""");
        assertTrue(msg.contains("t.json:3:92: \"arena_violation\" is the access the report names: READ or WRITE"), msg);
    }

    @Test
    void kfuncMapTypeArrayPassesNoArena() throws Exception {
        Scenario s = read("""
            {"name": "n", "era": "v6.13",
             "steps": [{"op": "kfunc", "name": "reserve_pages", "page_cnt": 1, "map_type": "array"}]}""");
        assertTrue(assertInstanceOf(Step.KfuncCall.class, s.steps().getFirst()).arrayMap());
        String msg = error("""
            {"name": "n", "era": "v6.13", "arena": {"max_entries": 4},
             "steps": [{"op": "kfunc", "name": "reserve_pages", "page_cnt": 1, "map_type": "array", "arena": "arena"}]}""");
        assertTrue(msg.contains("t.json:2:98: \"map_type\": \"array\" passes an array map, not an arena"), msg);
        msg = error("""
            {"name": "n", "era": "v6.13", "arena": {"max_entries": 4},
             "steps": [{"op": "kfunc", "name": "reserve_pages", "page_cnt": 1, "map_type": "hash"}]}""");
        assertTrue(msg.contains("t.json:2:80: \"map_type\" is the type of the map argument: arena or array"), msg);
    }

    @Test
    void anInlineProgramsMapNameMustBeAnArenaOfTheScenario() throws Exception {
        // Created later by a step is fine: it is resolved when the program is loaded.
        read("""
            {"name": "n", "era": "v6.13", "arena": {"max_entries": 4},
             "programs": {"P": {"asm": "r1 = map[other] ll\\nr0 = 0\\nexit"}},
             "steps": [{"op": "create_arena", "name": "other", "max_entries": 1}, {"op": "run_program", "program": "P"}]}""");
        String msg = error("""
            {"name": "n", "era": "v6.13", "arena": {"max_entries": 4},
             "programs": {"P": {"asm": "r1 = map[arean] ll\\nr0 = 0\\nexit"}},
             "steps": [{"op": "run_program", "program": "P"}]}""");
        assertTrue(msg.contains("t.json:2:20: program \"P\" insn 0: map[arean] names no arena of this scenario (arenas: arena;"), msg);
    }

    @Test
    void symTakesTheNameOfAnArenaGlobal() throws Exception {
        Expr e = ExprParser.parse("sym(counter) + 8");
        long v = e.eval(new Expr.Symbols() {
            public long lookup(String name) { throw new Expr.Unbound(name); }
            public long global(String name) { return name.equals("counter") ? 0x1000 : -1; }
        });
        assertEquals(0x1008, v);
        assertEquals(11, assertThrows(ExprParser.SyntaxError.class, () -> ExprParser.parse("base + sym(8)")).offset, "at the 8");
        assertThrows(Expr.Unbound.class, () -> ExprParser.parse("sym(x)").eval(name -> 0), "no program object: unbound, not 0");
    }

    @Test
    void deeplyNestedOrHugeExpressionsAreLocatedErrorsNotStackOverflows() {
        String nested = "(".repeat(5000) + "1" + ")".repeat(5000);
        ExprParser.SyntaxError e = assertThrows(ExprParser.SyntaxError.class, () -> ExprParser.parse(nested));
        assertEquals(ExprParser.MAX_NESTING, e.offset, "the first parenthesis past the limit");
        assertTrue(e.getMessage().contains("nested more than 100 levels"), e.getMessage());
        String minus = "-".repeat(5000) + "1";
        assertEquals(ExprParser.MAX_NESTING, assertThrows(ExprParser.SyntaxError.class, () -> ExprParser.parse(minus)).offset);
        String terms = "1" + "+1".repeat(49_999);
        e = assertThrows(ExprParser.SyntaxError.class, () -> ExprParser.parse(terms));
        assertEquals(2 * ExprParser.MAX_OPERANDS, e.offset, "the 1001st number");
        assertTrue(e.getMessage().contains("more than 1000 numbers and names"), e.getMessage());
    }

    @Test
    void theLimitsStillLeaveRoomForRealExpressions() throws Exception {
        String deep = "(".repeat(ExprParser.MAX_NESTING) + "1" + ")".repeat(ExprParser.MAX_NESTING);
        assertEquals(1, ExprParser.parse(deep).eval(name -> 0));
        String many = "1" + "+1".repeat(ExprParser.MAX_OPERANDS - 1);
        assertEquals(ExprParser.MAX_OPERANDS, ExprParser.parse(many).eval(name -> 0));
    }

    @Test
    void aHugeExpressionInAFileIsReportedAtItsColumn() {
        String msg = error("{\"name\": \"n\", \"era\": \"v6.13\", \"arena\": {\"max_entries\": 4},\n \"steps\": [{\"op\": \"read\", \"addr\": \""
            + "(".repeat(5000) + "base" + ")".repeat(5000) + "\"}]}");
        assertTrue(msg.startsWith("t.json:2:136: bad expression"), msg.substring(0, 120));
        assertTrue(msg.contains("nested more than 100 levels") && msg.endsWith("(in step 0, op read)"), msg.substring(msg.length() - 200));
    }
}
