package labkit.plot;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.components.Figure;

/**
 * Displays pictures, Plotly figures and tables the same way from a notebook and from plain Java. {@code show(...)}
 * returns nothing, so {@code Show.show(x);} is a plain statement under every kernel (a returned value would be
 * displayed as the cell's result); {@code showOrSave(...)} is the same call returning the file, if one was written.
 *
 * <p>How the output appears, by where the code runs (looked up by reflection, so labkit needs none of them):
 * <ul>
 *   <li><b>rapaio-jupyter-kernel</b> (what CI and Binder install): images through {@code
 *       org.rapaio.jupyter.kernel.global.Global.display(Object)} (rendered as {@code image/png}), HTML (figures,
 *       tables) through {@code Global.display("text/html", html)}.
 *   <li><b>IJava</b> ({@code io.github.spencerpark.ijava.runtime.Display}) and its successor <b>JJava</b> ({@code
 *       org.dflib.jjava.runtime.Display}): {@code display(Object)} with the image, or with a {@code DisplayData}
 *       holding the HTML.
 *   <li><b>Anywhere else</b> (plain Java, tests, a kernel without either class): written to a file in the output
 *       folder ({@code labkit.output} system property, default {@code labkit-output/}) and the path printed.
 * </ul>
 * {@link #backend()} says which of these is in use.
 */
public final class Show {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private Show() {}

    /** Where output goes now: "rapaio", "ijava" (IJava or JJava) or "file". */
    public static String backend() {
        if (rapaioDisplay() != null) {
            return "rapaio";
        }
        if (ijavaDisplay() != null) {
            return "ijava";
        }
        return "file";
    }

    /** Shows an image inline (PNG), or writes it to {@code <output>/image-NNN.png} outside a notebook. */
    public static void show(BufferedImage image) {
        showOrSave(image, "image");
    }

    /** As {@link #show(BufferedImage)}, naming the file written outside a notebook. */
    public static void show(BufferedImage image, String name) {
        showOrSave(image, name);
    }

    /** As {@link #show(BufferedImage, String)}; returns the file written outside a notebook, null when shown inline. */
    public static Path showOrSave(BufferedImage image, String name) {
        try {
            Method rapaio = rapaioDisplay();
            if (rapaio != null) {
                rapaio.invoke(null, image);
                return null;
            }
            Method ijava = ijavaDisplay();
            if (ijava != null) {
                ijava.invoke(null, image);
                return null;
            }
        } catch (ReflectiveOperationException e) {
            // fall through to the file
        }
        Path file = nextFile(name, "png");
        try {
            ImageIO.write(image, "png", file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        System.out.println("saved " + file.toAbsolutePath());
        return file;
    }

    /** Shows a Tablesaw/Plotly figure inline, or writes a standalone HTML page outside a notebook. */
    public static void show(Figure figure) {
        showOrSave(figure, "figure");
    }

    /** As {@link #show(Figure)}, naming the file written outside a notebook. */
    public static void show(Figure figure, String name) {
        showOrSave(figure, name);
    }

    /** As {@link #show(Figure, String)}; returns the file written outside a notebook, null when shown inline. */
    public static Path showOrSave(Figure figure, String name) {
        String div = "labkit_fig_" + Long.toHexString(System.nanoTime()) + COUNTER.incrementAndGet();
        return html(PlotlyJs.html(figure, div, backend().equals("file") ? outputFolder() : null), name);
    }

    /** Shows a Tablesaw table as an HTML table inline, or writes it as an HTML file outside a notebook. */
    public static void show(Table table) {
        showOrSave(table);
    }

    /** As {@link #show(Table)}; returns the file written outside a notebook, null when shown inline. */
    public static Path showOrSave(Table table) {
        return html(htmlTable(table), table.name() == null ? "table" : table.name());
    }

    /** A Tablesaw table as an HTML {@code <table>} (Tablesaw's HTML writer lives in a separate module). */
    public static String htmlTable(Table table) {
        StringBuilder sb = new StringBuilder("<table class=\"labkit-table\" style=\"border-collapse:collapse\">");
        if (table.name() != null && !table.name().isEmpty()) {
            sb.append("<caption style=\"font-weight:bold\">").append(escape(table.name())).append("</caption>");
        }
        sb.append("<thead><tr>");
        for (String c : table.columnNames()) {
            sb.append("<th style=\"padding:2px 8px;border-bottom:1px solid #888\">").append(escape(c)).append("</th>");
        }
        sb.append("</tr></thead><tbody>");
        for (int r = 0; r < table.rowCount(); r++) {
            sb.append("<tr>");
            for (int c = 0; c < table.columnCount(); c++) {
                sb.append("<td style=\"padding:2px 8px;text-align:right\">")
                        .append(escape(table.column(c).getString(r))).append("</td>");
            }
            sb.append("</tr>");
        }
        return sb.append("</tbody></table>").toString();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** Shows an HTML fragment inline, or writes it as a page to {@code <output>/<name>.html}. */
    public static Path html(String html, String name) {
        try {
            Method rapaio = rapaioDisplayMime();
            if (rapaio != null) {
                rapaio.invoke(null, "text/html", html);
                return null;
            }
            Object ijavaData = ijavaHtml(html);
            if (ijavaData != null) {
                ijavaDisplay().invoke(null, ijavaData);
                return null;
            }
        } catch (ReflectiveOperationException e) {
            // fall through to the file
        }
        Path file = nextFile(name, "html");
        String page = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + name + "</title></head><body>"
                + html + "</body></html>";
        try {
            Files.writeString(file, page, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        System.out.println("saved " + file.toAbsolutePath());
        return file;
    }

    /** The folder files are written to outside a notebook (created on demand). */
    public static Path outputFolder() {
        Path dir = Paths.get(System.getProperty("labkit.output", "labkit-output"));
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the output folder " + dir.toAbsolutePath()
                    + " (set -Dlabkit.output=<folder>)", e);
        }
    }

    private static Path nextFile(String name, String ext) {
        String safe = name.replaceAll("[^A-Za-z0-9._-]+", "_");
        return outputFolder().resolve(String.format(Locale.ROOT, "%s-%03d.%s", safe, COUNTER.incrementAndGet(), ext));
    }

    private static Class<?> find(String name) {
        for (ClassLoader cl : new ClassLoader[] {
                Thread.currentThread().getContextClassLoader(), Show.class.getClassLoader(),
                ClassLoader.getSystemClassLoader()}) {
            if (cl == null) {
                continue;
            }
            try {
                return Class.forName(name, true, cl);
            } catch (ClassNotFoundException | LinkageError e) {
                // try the next loader
            }
        }
        return null;
    }

    private static Method rapaioDisplay() {
        Class<?> g = find("org.rapaio.jupyter.kernel.global.Global");
        try {
            return g == null ? null : g.getMethod("display", Object.class);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static Method rapaioDisplayMime() {
        Class<?> g = find("org.rapaio.jupyter.kernel.global.Global");
        if (g == null) {
            return null;
        }
        for (Method m : g.getMethods()) {
            if (m.getName().equals("display") && m.getParameterCount() == 2
                    && m.getParameterTypes()[0] == String.class) {
                return m;
            }
        }
        return null;
    }

    /** IJava's {@code display(Object)}, else JJava's (same API, renamed packages). */
    private static Method ijavaDisplay() {
        for (String name : new String[] {"io.github.spencerpark.ijava.runtime.Display",
                "org.dflib.jjava.runtime.Display"}) {
            Class<?> d = find(name);
            try {
                if (d != null) {
                    return d.getMethod("display", Object.class);
                }
            } catch (NoSuchMethodException e) {
                // try the next kernel
            }
        }
        return null;
    }

    private static Object ijavaHtml(String html) throws ReflectiveOperationException {
        Method display = ijavaDisplay();
        if (display == null) {
            return null;
        }
        Class<?> dd = find(display.getDeclaringClass().getName().startsWith("org.dflib.")
                ? "org.dflib.jjava.jupyter.kernel.display.DisplayData"
                : "io.github.spencerpark.jupyter.kernel.display.DisplayData");
        if (dd == null) {
            return null;
        }
        Object data = dd.getConstructor().newInstance();
        dd.getMethod("putHTML", String.class).invoke(data, html);
        return data;
    }
}
