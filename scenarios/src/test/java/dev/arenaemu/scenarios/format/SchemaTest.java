package dev.arenaemu.scenarios.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.arenaemu.kernel.inject.InjectionSite;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The published JSON Schema names the same ops, sites and names the reader accepts. */
class SchemaTest {
    private static final JsonNode SCHEMA = read();

    private static JsonNode read() {
        try {
            return new ObjectMapper().readTree(Path.of("schema/scenario.schema.json").toFile());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void schemaListsEveryStepOpTheReaderKnows() {
        Set<String> ops = new TreeSet<>();
        for (JsonNode alt : SCHEMA.at("/$defs/step/oneOf")) ops.add(alt.at("/properties/op/const").asText());
        Set<String> reader = new TreeSet<>(Set.of("create_arena", "mmap", "munmap", "mprotect", "mremap", "fork", "exit", "read", "write",
            "copy", "run_code", "run_program", "kfunc", "map_op", "run_work", "flush_tlb", "checkpoint"));
        assertEquals(reader, ops);
        for (String op : ops) {
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(ScenarioException.class, () -> ScenarioReader.parse(Path.of("t.json"),
                "{\"name\": \"t\", \"era\": \"v6.13\", \"steps\": [{\"op\": \"" + op + "\", \"no_such_field\": 1}]}"));
            assertTrue(!e.getMessage().contains("unknown step op"), op + " is an op the reader knows: " + e.getMessage());
        }
    }

    @Test
    void schemaListsExactlyTheKernelModelsInjectionSites() {
        Set<String> schema = new TreeSet<>();
        SCHEMA.at("/$defs/inject/properties/site/enum").forEach(n -> schema.add(n.asText()));
        Set<String> kernel = Arrays.stream(InjectionSite.values()).map(s -> s.name().toLowerCase(Locale.ROOT)).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(kernel, schema);
    }

    @Test
    void schemaErrnosAreTheReadersErrnos() {
        Set<String> schema = new TreeSet<>();
        SCHEMA.at("/$defs/expect/properties/errno/enum").forEach(n -> schema.add(n.asText()));
        assertEquals(new TreeSet<>(Names.ERRNO.keySet()), schema);
    }

    /** Where the reader accepts an "arena" name (page and state expectations, mmap, kfunc, map_op), the schema does too. */
    @Test
    void schemaAcceptsAnArenaNameWhereTheReaderDoes() {
        Set<String> withArena = new TreeSet<>();
        for (String def : List.of("page", "stateExpect", "expect")) {
            if (SCHEMA.at("/$defs/" + def + "/properties/arena/$ref").asText().equals("#/$defs/arenaName")) withArena.add(def);
        }
        for (JsonNode alt : SCHEMA.at("/$defs/step/oneOf")) {
            if (alt.at("/properties/arena/$ref").asText().equals("#/$defs/arenaName")) withArena.add(alt.at("/properties/op/const").asText());
        }
        assertEquals(new TreeSet<>(Set.of("page", "stateExpect", "expect", "mmap", "kfunc", "map_op")), withArena);
    }
}
