package dev.arenaemu.scenarios.html;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.arenaemu.scenarios.format.Scenario;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes the visual page map of one scenario (replay --html DIR): one self-contained HTML file —
 * inline style and script, the replay's data as inline JSON, a Content-Security-Policy that
 * forbids every network load — with the step list on the left and, for the selected step, each
 * arena's pages as cells (kernel row: populated / reserved / free; one row per process: user PTE /
 * VMA without PTE / not mapped), cells that changed in the step outlined, cells a violation or
 * mismatch names marked, a table of the pages in use with their frame numbers, and the step's
 * trace. Arrow keys (or j/k) move between steps, e switches era. The layout is in
 * {@code pagemap.html} next to this class.
 */
public final class PageMapHtml {
    private PageMapHtml() {}

    /** The file name for a scenario file: its name with .html instead of .json, made unique within {@code taken}. */
    public static String fileName(Scenario s, Set<String> taken) {
        String base = s.file().getFileName().toString().replaceFirst("\\.json$", "");
        String name = base + ".html";
        for (int n = 2; !taken.add(name); n++) name = base + "-" + n + ".html";
        return name;
    }

    public static void write(Path file, Scenario s, List<Map<String, Object>> runs) throws IOException {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("name", s.name());
        data.put("file", s.file().toString());
        data.put("description", s.description() == null ? "" : s.description());
        data.put("runs", runs);
        // JSON inside <script>: "</" would end the element; "<\/" is the same JSON string.
        String json = new ObjectMapper().writeValueAsString(data).replace("</", "<\\/").replace("<!--", "<\\u0021--");
        String html = template().replace("@TITLE@", escape(s.name())).replace("@DATA@", json);
        Files.writeString(file, html, StandardCharsets.UTF_8);
    }

    private static String template() {
        try (InputStream in = PageMapHtml.class.getResourceAsStream("pagemap.html")) {
            if (in == null) throw new IllegalStateException("pagemap.html missing from the class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
