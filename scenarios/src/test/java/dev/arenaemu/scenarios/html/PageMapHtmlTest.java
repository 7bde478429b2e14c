package dev.arenaemu.scenarios.html;

import dev.arenaemu.scenarios.cli.Main;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * replay --html, checked in real headless Chromium (Debian's chromium package; the launcher
 * installs it for ./arena-emu test): what the page draws after its script ran (--dump-dom) and
 * what ends up on screen (--screenshot, pixels of the cell colours counted).
 *
 * <p>13-35-sequential-alloc (A(4), steps: 0 mmap, 1 alloc(1) = X, 2 alloc(2) = X+4K, 3 alloc(2) =
 * NULL, 4 alloc(1) = X+12K, 5 a read) has 1, 3, 3, 4 populated pages after steps 1-4, and step 3 changes
 * nothing. 13-65-fork (v6.13) reproduces the dangling vma_list bug: the child keeps a PTE to the
 * freed page, which the invariant user-pte-matches-kernel names.
 */
class PageMapHtmlTest {
    private static final String CORPUS = "corpus/";
    /** .cell.populated's background, #2e7d32, and .cell.changed's border, #ff6d00. */
    private static final int POPULATED = 0x2e7d32, CHANGED = 0xff6d00;
    /** A cell's content box is 14 x 14 px (device scale factor 1). */
    private static final int CELL_PIXELS = 14 * 14;

    @TempDir
    static Path dir;

    @BeforeAll
    static void replayWithHtml() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int status = Main.run(new String[] {"replay", "--html", dir.resolve("html").toString(), CORPUS + "13-35-sequential-alloc.json",
            CORPUS + "13-65-fork.v6.10-v7.0.json", CORPUS + "13-e2e-two-arenas.json"}, new PrintWriter(out), new PrintWriter(err));
        assertEquals(0, status, out + "\n" + err);
    }

    private static Path page(String name) {
        return dir.resolve("html").resolve(name + ".html");
    }

    private static String chromium(String fragment, String page, String... mode) throws Exception {
        Path profile = Files.createTempDirectory(dir, "profile");
        List<String> cmd = new ArrayList<>(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
            "--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=1280,900"));
        cmd.addAll(List.of(mode));
        cmd.add(page(page).toUri() + "#" + fragment);
        Process p = new ProcessBuilder(cmd).redirectError(dir.resolve("chromium.err").toFile()).start();
        byte[] stdout = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium did not finish");
        assertEquals(0, p.exitValue(), "chromium failed: " + Files.readString(dir.resolve("chromium.err")));
        return new String(stdout, StandardCharsets.UTF_8);
    }

    private static String dom(String page, String fragment) throws Exception {
        return chromium(fragment, page, "--dump-dom");
    }

    private static int count(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        int n = 0;
        while (m.find()) n++;
        return n;
    }

    /** The cells of one row ("row-<arena>-kernel", "row-<arena>-user-<process>") in the dumped DOM. */
    private static String row(String dom, String id) {
        int at = dom.indexOf("id=\"" + id + "\"");
        assertTrue(at >= 0, "no row " + id);
        int end = dom.indexOf("</div></div>", at);
        return dom.substring(at, end);
    }

    @Test
    void theKernelRowShowsThePopulatedPagesOfTheSelectedStepAndWhatItChanged() throws Exception {
        int[] populated = {0, 1, 3, 3, 4}, changed = {0, 1, 2, 0, 1};
        for (int step = 0; step <= 4; step++) {
            String d = dom("13-35-sequential-alloc", "era=v6.13&step=" + step);
            String kernel = row(d, "row-0-kernel");
            assertEquals(4, count(kernel, "class=\"cell kern "), "4 pages drawn");
            assertEquals(populated[step], count(kernel, "class=\"cell kern populated"), "populated after step " + step);
            assertEquals(4 - populated[step], count(kernel, "class=\"cell kern free"), "free after step " + step);
            assertEquals(changed[step], count(kernel, "class=\"cell kern [a-z]+ changed"), "changed in step " + step);
            assertTrue(d.contains("data-populated=\"" + populated[step] + "\""), "summary after step " + step);
            assertTrue(d.contains("<li class=\"step sel\""), "the selected step is marked in the list");
        }
        // The page table under the map gives each populated page's kernel frame number.
        String d = dom("13-35-sequential-alloc", "era=latest&step=4");
        assertEquals(4, count(d, "<tr[^>]*><td>[0-3]</td><td>populated</td><td>0x[0-9a-f]+ RW</td>"), "frame numbers of the 4 pages");
        // mmap (step 0) gave U a VMA over all 4 pages and no PTE: the user row is 4 "uvma" cells.
        assertEquals(4, count(row(d, "row-0-user-U"), "class=\"cell user uvma"));
    }

    @Test
    void keysMoveBetweenSteps() throws Exception {
        String d = dom("13-35-sequential-alloc", "era=v7.0&step=0&keys=ArrowDown,ArrowDown,j");
        assertTrue(d.contains("<h2 id=\"title\">Step 3 (kfunc)"), "three steps down from step 0");
        assertTrue(d.contains("data-populated=\"3\""));
        d = dom("13-35-sequential-alloc", "era=v7.0&step=2&keys=End,k,ArrowUp");
        assertTrue(d.contains("<h2 id=\"title\">Step 3 (kfunc)"), "End (step 5, the read), then two up");
        // its eras: v6.13, v7.0, the v7.0-stable profile, latest
        d = dom("13-35-sequential-alloc", "era=v6.13&step=4&keys=e,e,e");
        assertTrue(d.contains("era latest") && d.contains("<button class=\"PASS on\" title=\"PASS\">latest</button>"), "e three times: the fourth era");
    }

    @Test
    void violationsAreMarkedOnTheirPages() throws Exception {
        String d = dom("13-65-fork.v6.10-v7.0", "era=v6.13&step=0");
        Matcher bad = Pattern.compile("<li class=\"step bad\"[^>]*>([0-9]+) ").matcher(d);
        assertTrue(bad.find(), "a step of 13-65 breaks user-pte-matches-kernel");
        String step = bad.group(1);
        d = dom("13-65-fork.v6.10-v7.0", "era=v6.13&step=" + step);
        assertTrue(d.contains("user-pte-matches-kernel"), "the violation is shown");
        assertTrue(count(d, "class=\"cell [a-z]+ [a-z]+( changed)? bad\"") >= 1, "and its page is marked");
        assertFalse(d.contains("data-bad=\"0\""));
    }

    @Test
    void twoArenasGetARowSetEach() throws Exception {
        String d = dom("13-e2e-two-arenas", "era=latest&keys=End");
        assertTrue(d.contains("id=\"row-0-kernel\"") && d.contains("id=\"row-1-kernel\""));
        assertTrue(d.contains("id=\"row-1-user-V\""));
    }

    @Test
    void theScreenshotShowsOneCellOfColourPerPopulatedPage() throws Exception {
        long[] green = new long[5], orange = new long[5];
        for (int step = 1; step <= 4; step++) {
            Path png = dir.resolve("shot" + step + ".png");
            chromium("era=v6.13&step=" + step, "13-35-sequential-alloc", "--screenshot=" + png);
            BufferedImage img = ImageIO.read(png.toFile());
            for (int y = 0; y < img.getHeight(); y++) {
                for (int x = 0; x < img.getWidth(); x++) {
                    int rgb = img.getRGB(x, y) & 0xFFFFFF;
                    if (rgb == POPULATED) green[step]++;
                    if (rgb == CHANGED) orange[step]++;
                }
            }
        }
        // The legend draws one populated swatch and one changed outline whatever the step.
        assertEquals(2L * CELL_PIXELS, green[2] - green[1], "step 2 adds two populated cells");
        assertEquals(green[2], green[3], "step 3 (NULL) adds none");
        assertEquals(CELL_PIXELS, green[4] - green[3], "step 4 adds one");
        assertEquals(green[1] - CELL_PIXELS, green[4] - 4L * CELL_PIXELS, "the legend's swatch is the rest");
        long outline = (orange[2] - orange[3]) / 2;   // step 2 outlines two cells, step 3 none
        assertTrue(outline > 0, "changed cells are outlined");
        assertEquals(outline, orange[1] - orange[3], "step 1 outlines one cell");
        assertEquals(outline, orange[4] - orange[3]);
    }

    @Test
    void thePageIsSelfContained() throws IOException {
        String html = Files.readString(page("13-35-sequential-alloc"));
        assertFalse(html.contains("http://") || html.contains("https://") || html.contains(" src=") || html.contains("<link"), "no external resource");
        assertTrue(html.contains("Content-Security-Policy\" content=\"default-src 'none'"), "and the browser may not fetch any");
    }
}
