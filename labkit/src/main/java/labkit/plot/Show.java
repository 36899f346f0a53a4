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
 * Displays pictures, Plotly figures and tables the same way from a notebook and from plain Java: under a Java
 * Jupyter kernel (rapaio-jupyter-kernel or IJava) the output appears inline below the cell; elsewhere it is
 * written to a file in the output folder ({@code labkit.output} system property, default {@code
 * labkit-output/}) and the path is printed.
 */
public final class Show {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private Show() {}

    /** What displayed the last output: "rapaio", "ijava" or "file". */
    public static String backend() {
        if (rapaioDisplay() != null) {
            return "rapaio";
        }
        if (ijavaDisplay() != null) {
            return "ijava";
        }
        return "file";
    }

    /** Shows an image inline (PNG), or writes it to {@code <output>/<name>.png}. Returns the file or null. */
    public static Path show(BufferedImage image) {
        return show(image, "image");
    }

    /** As {@link #show(BufferedImage)}, naming the file written outside a notebook. */
    public static Path show(BufferedImage image, String name) {
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

    /** Shows a Tablesaw/Plotly figure inline, or writes a standalone HTML page and returns its path. */
    public static Path show(Figure figure) {
        return show(figure, "figure");
    }

    /** As {@link #show(Figure)}, naming the file written outside a notebook. */
    public static Path show(Figure figure, String name) {
        String div = "labkit_fig_" + Long.toHexString(System.nanoTime()) + COUNTER.incrementAndGet();
        return html(PlotlyJs.html(figure, div, backend().equals("file") ? outputFolder() : null), name);
    }

    /** Shows a Tablesaw table as an HTML table inline, or writes it as an HTML file. */
    public static Path show(Table table) {
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

    private static Method ijavaDisplay() {
        Class<?> d = find("io.github.spencerpark.ijava.runtime.Display");
        try {
            return d == null ? null : d.getMethod("display", Object.class);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static Object ijavaHtml(String html) throws ReflectiveOperationException {
        if (ijavaDisplay() == null) {
            return null;
        }
        Class<?> dd = find("io.github.spencerpark.jupyter.kernel.display.DisplayData");
        if (dd == null) {
            return null;
        }
        Object data = dd.getConstructor().newInstance();
        dd.getMethod("putHTML", String.class).invoke(data, html);
        return data;
    }
}
