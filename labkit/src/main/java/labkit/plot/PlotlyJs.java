package labkit.plot;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicBoolean;
import tech.tablesaw.plotly.components.Figure;

/**
 * plotly.js as shipped inside labkit (npm {@code plotly.js-dist-min}), put on a page once so that charts render
 * without network: in a notebook the first figure a kernel shows carries the library inline (so the executed
 * notebook and its HTML copy hold it once), later figures only draw; a page written outside a notebook loads a
 * copy of the library saved next to it.
 */
public final class PlotlyJs {
    /** The plotly.js version shipped. */
    public static final String VERSION = "2.35.3";
    /** The library's file name, as a class-path resource next to this class and as written next to pages. */
    public static final String FILE = "plotly-" + VERSION + ".min.js";
    /** SHA-256 of the shipped file (npm plotly.js-dist-min's {@code plotly.min.js}, unchanged). */
    static final String SHA256 = "fc84e3cfa55d23d3654c562ea5deb3c274eb6972a6adf66941d1a821e34825e4";
    /** System property: a URL to load plotly.js from instead (one script tag per figure, e.g. a CDN). */
    public static final String URL_PROPERTY = "labkit.plotly";

    private static final AtomicBoolean SENT = new AtomicBoolean();
    private static volatile String source;

    private PlotlyJs() {}

    /** The library's source text, read once from the class path. */
    public static String source() {
        String s = source;
        if (s == null) {
            try (InputStream in = PlotlyJs.class.getResourceAsStream(FILE)) {
                if (in == null) {
                    throw new IllegalStateException("labkit/plot/" + FILE + " is missing from the class path; "
                            + "rebuild labkit (mvn package) or set -D" + URL_PROPERTY + "=<plotly.js URL>");
                }
                s = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read labkit/plot/" + FILE, e);
            }
            source = s;
        }
        return s;
    }

    /**
     * HTML for one figure. {@code folder == null}: a notebook output, which carries the library inline when it is
     * the first figure of this JVM (kernel session). Otherwise a standalone page in {@code folder}: the library is
     * copied there once and loaded by a relative script tag.
     */
    static String html(Figure figure, String div, Path folder) {
        String url = System.getProperty(URL_PROPERTY);
        if (url != null && !url.isBlank()) {
            return "<script src=\"" + url + "\"></script>" + draw(figure, div);
        }
        if (folder != null) {
            return "<script src=\"" + copyTo(folder).getFileName() + "\"></script>" + draw(figure, div);
        }
        return (SENT.compareAndSet(false, true) ? inlineScript() : "") + draw(figure, div);
    }

    /** Forgets that the library was sent (a new page; tests). */
    static void resetPage() {
        SENT.set(false);
    }

    /**
     * The library in one inline script that also works where require.js defines an AMD {@code define} (classic
     * Jupyter, nbconvert's HTML): the UMD wrapper then sees no {@code define}/{@code module}/{@code exports} and
     * sets {@code window.Plotly}. Runs only when the page has no Plotly yet.
     */
    static String inlineScript() {
        String lib = source().replaceAll("(?i)</script", "<\\\\/script");
        return "<script type=\"text/javascript\">/* plotly.js " + VERSION + " (npm plotly.js-dist-min, MIT licence), "
                + "put on this page once by labkit */\nif (typeof window.Plotly === 'undefined') {"
                + "(function (define, module, exports) {\n" + lib + "\n}).call(window);}\n</script>";
    }

    /** The figure's div and a script that draws it, or says why it cannot when the page has no plotly.js. */
    static String draw(Figure figure, String div) {
        String js = figure.asJavascript(div).strip();
        js = js.replaceFirst("^<script>", "").replaceFirst("</script>$", "");
        return figure.divString(div) + "<script type=\"text/javascript\">(function () {\n"
                + "if (typeof window.Plotly === 'undefined') {\n"
                + "  document.getElementById('" + div + "').innerHTML = '<p style=\"color:#a00\">This chart needs "
                + "plotly.js, which labkit puts on the page with the first chart a kernel shows; that output is not "
                + "on this page any more. Run the notebook again from a restarted kernel (Kernel &gt; Restart &amp; "
                + "Run All).</p>';\n"
                + "  return;\n}\n" + js + "\n})();</script>";
    }

    private static Path copyTo(Path folder) {
        Path file = folder.resolve(FILE);
        try {
            byte[] bytes = source().getBytes(StandardCharsets.UTF_8);
            if (!Files.isRegularFile(file) || Files.size(file) != bytes.length) {
                Path tmp = Files.createTempFile(folder, FILE, ".tmp");
                Files.write(tmp, bytes);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return file;
    }
}
