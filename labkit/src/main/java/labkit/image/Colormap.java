package labkit.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A perceptually uniform colormap (matplotlib's viridis, plasma, magma, inferno) for showing depth maps and other
 * scalar images. The 256-entry tables are matplotlib's published {@code _cm_listed} data, shipped as the resource
 * {@code labkit/image/colormaps.txt}; a value maps as in matplotlib: {@code t = (v - vmin) / (vmax - vmin)},
 * entry {@code min(255, floor(256 t))}, values outside [vmin, vmax] clipped to the ends, NaN drawn black.
 *
 * <pre>{@code
 * BufferedImage img = Colormap.viridis().apply(depthArray, 0, 1);   // H×W, 1×H×W or 1×1×H×W
 * }</pre>
 */
public final class Colormap {
    private static final String RESOURCE = "/labkit/image/colormaps.txt";
    private static Map<String, int[]> tables;

    private final String name;
    private final int[] rgb;

    private Colormap(String name, int[] rgb) {
        this.name = name;
        this.rgb = rgb;
    }

    public static Colormap viridis() { return named("viridis"); }
    public static Colormap plasma() { return named("plasma"); }
    public static Colormap magma() { return named("magma"); }
    public static Colormap inferno() { return named("inferno"); }

    /** The colormaps available by name. */
    public static List<String> names() {
        return List.copyOf(tables().keySet());
    }

    /** A colormap by its matplotlib name (viridis, plasma, magma, inferno). */
    public static Colormap named(String name) {
        int[] t = tables().get(name == null ? "" : name.toLowerCase(java.util.Locale.ROOT));
        if (t == null) {
            throw new IllegalArgumentException("unknown colormap '" + name + "'; choose one of " + names());
        }
        return new Colormap(name.toLowerCase(java.util.Locale.ROOT), t);
    }

    public String name() {
        return name;
    }

    /** Number of entries (256). */
    public int size() {
        return rgb.length;
    }

    /** Entry {@code i} as 0xRRGGBB. */
    public int entry(int i) {
        return rgb[i];
    }

    /** The 0xRRGGBB colour of {@code t} in [0, 1] (clipped; NaN → black). */
    public int rgb(double t) {
        if (Double.isNaN(t)) {
            return 0;
        }
        int i = (int) Math.floor(t * rgb.length);
        return rgb[Math.max(0, Math.min(rgb.length - 1, i))];
    }

    /** Colours a row-major {@code height}×{@code width} scalar image, mapping [vmin, vmax] onto the colormap. */
    public BufferedImage apply(float[] values, int width, int height, double vmin, double vmax) {
        if (values.length != (long) width * height) {
            throw new IllegalArgumentException("Colormap.apply: " + values.length + " values for a " + width + "×"
                    + height + " image");
        }
        if (!(vmax > vmin)) {
            throw new IllegalArgumentException("Colormap.apply: need vmax > vmin, got vmin=" + vmin + ", vmax=" + vmax);
        }
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] px = new int[values.length];
        double span = vmax - vmin;
        for (int i = 0; i < px.length; i++) {
            px[i] = rgb((values[i] - vmin) / span);
        }
        img.setRGB(0, 0, width, height, px, 0, width);
        return img;
    }

    /** Colours a scalar map given as H×W, 1×H×W or 1×1×H×W array. */
    public BufferedImage apply(NDArray map, double vmin, double vmax) {
        Shape s = map.getShape();
        int d = s.dimension();
        if (d < 2 || s.size() != s.get(d - 2) * s.get(d - 1)) {
            throw new IllegalArgumentException("Colormap.apply needs one H×W map (optionally with leading axes of"
                    + " size 1), got shape " + s);
        }
        float[] v = map.toType(DataType.FLOAT32, false).toFloatArray();
        return apply(v, (int) s.get(d - 1), (int) s.get(d - 2), vmin, vmax);
    }

    /** Colours a map using its own minimum and maximum. */
    public BufferedImage apply(NDArray map) {
        return apply(map, map.min().getFloat(), Math.max(map.max().getFloat(), map.min().getFloat() + 1e-6f));
    }

    private static synchronized Map<String, int[]> tables() {
        if (tables == null) {
            tables = load();
        }
        return tables;
    }

    private static Map<String, int[]> load() {
        Map<String, int[]> out = new LinkedHashMap<>();
        try (InputStream in = Colormap.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("colormap tables " + RESOURCE + " missing from the labkit jar");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            String line;
            String current = null;
            int[] table = null;
            int n = 0;
            while ((line = r.readLine()) != null) {
                line = line.trim();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                if (Character.isLetter(line.charAt(0))) {
                    current = line;
                    table = new int[256];
                    n = 0;
                    out.put(current, table);
                    continue;
                }
                String[] f = line.split("\\s+");
                int c = 0;
                for (int k = 0; k < 3; k++) {
                    c = (c << 8) | (int) Math.round(Double.parseDouble(f[k]) * 255);
                }
                table[n++] = c;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read colormap tables " + RESOURCE, e);
        }
        return out;
    }

    @Override
    public String toString() {
        return "Colormap(" + name + ")";
    }
}
