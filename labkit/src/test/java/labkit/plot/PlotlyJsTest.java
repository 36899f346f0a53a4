package labkit.plot;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.components.Figure;

class PlotlyJsTest {
    @TempDir Path tmp;

    private static Figure figure() {
        Table t = Table.create("p", StringColumn.create("class", "a", "b"), DoubleColumn.create("p", 0.25, 0.75));
        return Charts.bar("probabilities", t, "class", "p");
    }

    private static int count(String text, String what) {
        Matcher m = Pattern.compile(Pattern.quote(what)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    @Test
    void shippedLibraryIsTheNpmFileUnchanged() throws Exception {
        String src = PlotlyJs.source();
        byte[] sha = MessageDigest.getInstance("SHA-256").digest(src.getBytes(StandardCharsets.UTF_8));
        assertEquals(PlotlyJs.SHA256, HexFormat.of().formatHex(sha),
                "labkit/plot/" + PlotlyJs.FILE + " differs from npm plotly.js-dist-min's plotly.min.js "
                        + "(see NOTICE.md)");
        assertTrue(src.substring(0, 200).contains("plotly.js v" + PlotlyJs.VERSION), src.substring(0, 200));
    }

    @Test
    void notebookPageGetsTheLibraryInlineOnceThenOnlyFigures() {
        PlotlyJs.resetPage();
        try {
            String first = PlotlyJs.html(figure(), "fig_a", null);
            String second = PlotlyJs.html(figure(), "fig_b", null);
            String banner = "plotly.js v" + PlotlyJs.VERSION;
            assertEquals(1, count(first, banner), "the first figure carries the library");
            assertEquals(0, count(second, banner), "later figures on the same page do not");
            assertFalse(second.contains("<script src"), "no network: " + second);
            assertTrue(first.length() > 3_000_000 && second.length() < 5_000, first.length() + " / " + second.length());
            // one script element for the library, one per figure; nothing in the library closes a script early
            assertEquals(2, count(first.toLowerCase(), "</script"), "script ends in the first output");
            assertEquals(1, count(second.toLowerCase(), "</script"), "script ends in the second output");
            assertTrue(first.contains("(function (define, module, exports)"), "library hidden from require.js");
            for (String[] out : new String[][] {{first, "fig_a"}, {second, "fig_b"}}) {
                assertTrue(out[0].contains("<div id='" + out[1] + "'"), out[0]);
                assertTrue(out[0].contains("Plotly.newPlot(target_" + out[1]), out[0]);
            }
        } finally {
            PlotlyJs.resetPage();
        }
    }

    @Test
    void pagesOutsideANotebookShareOneCopyOfTheLibrary() throws Exception {
        String old = System.getProperty("labkit.output");
        System.setProperty("labkit.output", tmp.toString());
        try {
            Path a = Show.showOrSave(figure(), "one");
            Path b = Show.showOrSave(figure(), "two");
            Path lib = tmp.resolve(PlotlyJs.FILE);
            assertEquals(PlotlyJs.source().getBytes(StandardCharsets.UTF_8).length, Files.size(lib));
            for (Path page : new Path[] {a, b}) {
                String html = Files.readString(page);
                assertTrue(html.contains("<script src=\"" + PlotlyJs.FILE + "\"></script>"), html);
                assertTrue(html.length() < 5_000, page + " holds the library: " + html.length() + " chars");
            }
            try (var files = Files.list(tmp)) {
                assertEquals(1, files.filter(p -> p.getFileName().toString().endsWith(".js")).count());
            }
        } finally {
            if (old == null) {
                System.clearProperty("labkit.output");
            } else {
                System.setProperty("labkit.output", old);
            }
        }
    }

    @Test
    void aUrlPropertyLoadsTheLibraryFromThere() {
        System.setProperty(PlotlyJs.URL_PROPERTY, "https://cdn.example/plotly.min.js");
        try {
            String html = PlotlyJs.html(figure(), "fig_c", null);
            assertTrue(html.startsWith("<script src=\"https://cdn.example/plotly.min.js\"></script>"), html);
            assertFalse(html.contains("plotly.js v"), "library not inlined");
        } finally {
            System.clearProperty(PlotlyJs.URL_PROPERTY);
        }
    }
}
