package dev.arenaemu.scenarios.format;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads JSON text into a {@link Node} tree with positions, using Jackson's streaming parser
 * (created by databind's ObjectMapper so the usual factory settings apply). Duplicate keys,
 * trailing garbage, fractions and absurd nesting are errors with a location.
 */
public final class JsonTree {
    private static final int MAX_DEPTH = 64;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
            .maxNestingDepth(MAX_DEPTH).maxStringLength(1 << 20).maxNumberLength(40).build());
    }

    private JsonTree() {}

    public static Node parse(String file, String text) throws ScenarioException {
        try (JsonParser p = MAPPER.createParser(text)) {
            p.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            JsonToken first = p.nextToken();
            if (first == null) throw new ScenarioException(new Where(file, 1, 1), "empty file, expected a JSON object");
            Node root = value(file, p, first);
            JsonToken extra = p.nextToken();
            if (extra != null) throw new ScenarioException(where(file, p.currentTokenLocation()), "unexpected content after the end of the scenario object");
            return root;
        } catch (JsonParseException e) {
            JsonLocation loc = e.getLocation();
            String msg = e.getOriginalMessage();
            throw new ScenarioException(loc == null ? new Where(file, 1, 1) : where(file, loc), "JSON syntax error: " + firstLine(msg));
        } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
            throw new ScenarioException(new Where(file, 1, 1), "JSON too large or too deeply nested: " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ScenarioException(new Where(file, 1, 1), "cannot read JSON: " + firstLine(e.getMessage()));
        }
    }

    private static Node value(String file, JsonParser p, JsonToken t) throws IOException, ScenarioException {
        Where at = where(file, p.currentTokenLocation());
        return switch (t) {
            case START_OBJECT -> {
                Map<String, Node.Field> fields = new LinkedHashMap<>();
                JsonToken k;
                while ((k = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    Where keyAt = where(file, p.currentTokenLocation());
                    Node v = value(file, p, p.nextToken());
                    fields.put(name, new Node.Field(name, keyAt, v));
                }
                yield new Node.Obj(at, fields);
            }
            case START_ARRAY -> {
                List<Node> items = new ArrayList<>();
                JsonToken i;
                while ((i = p.nextToken()) != JsonToken.END_ARRAY) items.add(value(file, p, i));
                yield new Node.Arr(at, items);
            }
            case VALUE_STRING -> new Node.Str(at, p.getText());
            case VALUE_NUMBER_INT -> new Node.Int(at, p.getBigIntegerValue());
            case VALUE_NUMBER_FLOAT -> throw new ScenarioException(at, "expected an integer, got the fraction " + p.getText());
            case VALUE_TRUE -> new Node.Bool(at, true);
            case VALUE_FALSE -> new Node.Bool(at, false);
            case VALUE_NULL -> new Node.Null(at);
            default -> throw new ScenarioException(at, "unexpected JSON token " + t);
        };
    }

    private static Where where(String file, JsonLocation loc) {
        return new Where(file, Math.max(1, loc.getLineNr()), Math.max(1, loc.getColumnNr()));
    }

    private static String firstLine(String s) {
        if (s == null) return "unknown error";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
