package dev.arenaemu.scenarios.oracle;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The JUnit XML both oracle reports write: counts per suite, escaped text, passed cases empty. */
class ReportFormatsTest {
    @Test
    void junitCountsFailuresAndErrorsPerSuite(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("r.xml");
        ReportFormats.junit(f, "t", List.of(new ReportFormats.Suite("k 7.3", "jit.7.3", 1500, List.of(
            new ReportFormats.Case("ok", null, "differs", null),
            new ReportFormats.Case("bad", null, "differs", "at 0x4: <a> & \"b\""),
            new ReportFormats.Case("stopped", "panic", "differs", "ignored when there is an error")))));
        assertEquals("""
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuites name="t">
              <testsuite name="k 7.3" tests="3" failures="1" errors="1" time="1.5">
                <testcase classname="jit.7.3" name="ok">
                </testcase>
                <testcase classname="jit.7.3" name="bad">
                  <failure message="differs">at 0x4: &lt;a&gt; &amp; &quot;b&quot;</failure>
                </testcase>
                <testcase classname="jit.7.3" name="stopped">
                  <error message="kernel side stopped">panic</error>
                </testcase>
              </testsuite>
            </testsuites>
            """, Files.readString(f));
    }
}
