package dev.arenaemu.scenarios.format;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/**
 * A JSON value that remembers where it was written. Jackson's own tree (JsonNode) drops token
 * locations, so {@link JsonTree} builds this one from the streaming parser; every later error
 * (wrong type, unknown field, bad expression) can then name the exact line and column.
 */
public sealed interface Node {
    Where where();

    /** The JSON type name used in error messages ("object", "string", ...). */
    String kind();

    record Obj(Where where, Map<String, Field> fields) implements Node {
        public String kind() { return "object"; }
    }

    /** One member of an object: the key's own position is where "unknown field" errors point. */
    record Field(String name, Where keyWhere, Node value) {}

    record Arr(Where where, List<Node> items) implements Node {
        public String kind() { return "array"; }
    }

    record Str(Where where, String value) implements Node {
        public String kind() { return "string"; }
    }

    /** An integer literal; fractions are rejected while parsing (no field takes one). */
    record Int(Where where, BigInteger value) implements Node {
        public String kind() { return "integer"; }
    }

    record Bool(Where where, boolean value) implements Node {
        public String kind() { return "boolean"; }
    }

    record Null(Where where) implements Node {
        public String kind() { return "null"; }
    }
}
