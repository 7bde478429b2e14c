package dev.arenaemu.benchmarks;

import dev.arenaemu.scenarios.format.Era;
import dev.arenaemu.scenarios.format.Scenario;
import dev.arenaemu.scenarios.format.ScenarioException;
import dev.arenaemu.scenarios.format.ScenarioReader;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A fixed, corpus-like set of scenarios for the throughput benchmarks, embedded so that a
 * benchmark does not depend on the working directory: copies (descriptions dropped) of
 * scenarios/corpus/13-05-zero-size, 13-01-minimal-arena, 12-1-basic-alloc1 and
 * 12-2-free-reserved, plus {@link ReplayBench#SCENARIO} (catalogue 52-like, two processes).
 */
final class CorpusSample {
    static final List<String> TEXTS = List.of(
        """
        {"name": "13-05-zero-size", "era": ["v6.13", "v7.0", "latest"],
         "steps": [{"op": "create_arena", "max_entries": 0, "expect": {"errno": "EINVAL"}}]}""",
        """
        {"name": "13-01-minimal-arena", "era": ["v6.13", "v7.0", "latest"],
         "steps": [{"op": "create_arena", "max_entries": 1, "flags": "MMAPABLE", "expect": {"ret": 0}},
           {"op": "checkpoint", "label": "fresh arena",
            "expect": {"mem_usage": 0, "vma_list": 0, "pages": [{"addr": "base", "state": "free", "kernel": false}]}}]}""",
        """
        {"name": "12-1-basic-alloc1", "era": ["v6.13", "v7.0", "latest"],
         "arena": {"max_entries": 2, "map_extra": "(1<<44) | (0xFFFFFFFF - 2*4096 + 1)"},
         "steps": [
           {"op": "mmap", "addr": "base", "length": "2*PAGE", "flags": ["SHARED", "FIXED"], "expect": {"ret": "0x1000_FFFF_E000"}},
           {"op": "kfunc", "name": "alloc_pages", "page_cnt": 1, "as": "p1", "expect": {"ret": "0x1000_FFFF_E000"}},
           {"op": "write", "addr": "p1", "value": 1},
           {"op": "kfunc", "name": "alloc_pages", "page_cnt": 1, "as": "p2", "expect": {"ret": "0x1000_FFFF_F000"}},
           {"op": "write", "addr": "p2", "value": 2},
           {"op": "kfunc", "name": "alloc_pages", "page_cnt": 1, "expect": {"null": true}},
           {"op": "checkpoint", "expect": {"pages": [{"addr": "p1", "value": 1}, {"addr": "p2", "value": 2}]}},
           {"op": "kfunc", "name": "free_pages", "addr": "p2", "page_cnt": 1,
            "expect": {"pages": [{"addr": "p1", "value": 1}, {"addr": "p2", "value": 0, "kernel": false, "state": "free"}]}},
           {"op": "kfunc", "name": "alloc_pages", "page_cnt": 1,
            "expect": {"ret": "p2", "pages": [{"addr": "p2", "value": 0}, {"addr": "p1", "value": 1}]}}]}""",
        """
        {"name": "12-2-free-reserved", "era": ["v6.13", "v7.0", "latest"], "arena": {"max_entries": 1048576},
         "steps": [
           {"op": "mmap", "length": "4G", "expect": {"ret": "base"}},
           {"op": "kfunc", "name": "alloc_pages", "addr": "base+32768*PAGE", "page_cnt": 2, "as": "A", "expect": {"ret": "base+32768*PAGE"}},
           {"op": "kfunc", "name": "reserve_pages", "addr": "A+2*PAGE", "page_cnt": 2, "expect": {"ret": 0}},
           {"op": "kfunc", "name": "free_pages", "addr": "A+PAGE", "page_cnt": 2,
            "expect": {"pages": [{"addr": "A", "state": "populated"}, {"addr": "A+PAGE", "count": 2, "state": "free", "kernel": false},
                                 {"addr": "A+3*PAGE", "state": "reserved"}]}},
           {"op": "kfunc", "name": "alloc_pages", "addr": "A+PAGE", "page_cnt": 2, "expect": {"ret": "A+PAGE"}}]}""",
        ReplayBench.SCENARIO);

    /** One replay of a scenario in one of its eras: what `replay` and `sweep` iterate over. */
    record Run(Scenario scenario, Era era) {}

    /** Every scenario of the set in every era it lists, parsed once. */
    static List<Run> runs() throws ScenarioException {
        List<Run> runs = new ArrayList<>();
        for (int i = 0; i < TEXTS.size(); i++) {
            Scenario s = ScenarioReader.parse(Path.of("corpus-sample-" + i + ".json"), TEXTS.get(i));
            for (Era e : s.eras()) runs.add(new Run(s, e));
        }
        return runs;
    }

    private CorpusSample() {}
}
