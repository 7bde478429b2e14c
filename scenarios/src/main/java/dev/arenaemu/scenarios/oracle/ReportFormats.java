package dev.arenaemu.scenarios.oracle;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The file formats both oracle reports write (scenarios and --jit): a JSON document per run, JUnit XML with a testsuite per kernel. */
final class ReportFormats {
    private ReportFormats() {}

    /** One testcase: an error (the kernel side stopped), a failure, or neither (passed). */
    record Case(String name, String error, String failureMessage, String failure) {}

    record Suite(String name, String classname, long millis, List<Case> cases) {}

    /** What every kernel's JSON entry starts with. */
    static Map<String, Object> kernelEntry(KernelImage kernel, String version, long millis, List<String> errors) {
        Map<String, Object> km = new LinkedHashMap<>();
        km.put("kernel", kernel.spec());
        km.put("build", kernel.release());
        km.put("version", version);
        km.put("era", kernel.era().label);
        km.put("millis", millis);
        km.put("errors", errors);
        return km;
    }

    static void json(Path file, List<?> kernels) throws IOException {
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), Map.of("kernels", kernels));
    }

    static void junit(Path file, String name, List<Suite> suites) throws IOException {
        StringBuilder x = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"" + esc(name) + "\">\n");
        for (Suite s : suites) {
            int failures = 0, errors = 0;
            StringBuilder cases = new StringBuilder();
            for (Case c : s.cases()) {
                cases.append("    <testcase classname=\"").append(esc(s.classname())).append("\" name=\"").append(esc(c.name())).append("\">\n");
                if (c.error() != null) {
                    errors++;
                    cases.append("      <error message=\"kernel side stopped\">").append(esc(c.error())).append("</error>\n");
                } else if (c.failure() != null) {
                    failures++;
                    cases.append("      <failure message=\"").append(esc(c.failureMessage())).append("\">").append(esc(c.failure())).append("</failure>\n");
                }
                cases.append("    </testcase>\n");
            }
            x.append("  <testsuite name=\"").append(esc(s.name())).append("\" tests=\"").append(s.cases().size())
                .append("\" failures=\"").append(failures).append("\" errors=\"").append(errors).append("\" time=\"").append(s.millis() / 1000.0).append("\">\n")
                .append(cases).append("  </testsuite>\n");
        }
        x.append("</testsuites>\n");
        Files.writeString(file, x);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
