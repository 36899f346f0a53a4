package labkit.data.synthetic;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * A seeded generator of a small 10-class image-folder dataset that a small CNN can really learn offline: each
 * class is a shape or texture (circle, square, triangle, cross, ring, diamond, horizontal stripes, vertical
 * stripes, checkerboard, dots) drawn at a random position, size, rotation and colour on a noisy background.
 * Colour never decides the class, so colour jitter does not destroy the label. Same seed, same files.
 */
public final class ShapesDataset {

    /** The class names, in label order (also the sub-folder names). */
    public static final List<String> CLASSES = List.of(
            "checkerboard", "circle", "cross", "diamond", "dots",
            "hstripes", "ring", "square", "triangle", "vstripes");

    private ShapesDataset() {}

    /**
     * Writes {@code perClass} PNG images of {@code size}×{@code size} pixels for each class into
     * {@code root/<class>/<class>_NNNN.png} and returns {@code root}. Existing files with the same names are
     * overwritten; nothing else in {@code root} is touched.
     */
    public static Path write(Path root, int perClass, int size, long seed) {
        if (perClass < 1) {
            throw new IllegalArgumentException("perClass must be >= 1, got " + perClass);
        }
        if (size < 16) {
            throw new IllegalArgumentException("size must be >= 16 pixels, got " + size);
        }
        Random rng = new Random(seed);
        try {
            for (String cls : CLASSES) {
                Path dir = Files.createDirectories(root.resolve(cls));
                for (int i = 0; i < perClass; i++) {
                    BufferedImage img = draw(cls, size, rng);
                    ImageIO.write(img, "png", dir.resolve(String.format(Locale.ROOT, "%s_%04d.png", cls, i)).toFile());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the synthetic dataset to " + root, e);
        }
        return root;
    }

    /** Draws one image of class {@code cls} (one of {@link #CLASSES}). */
    public static BufferedImage draw(String cls, int size, Random rng) {
        if (!CLASSES.contains(cls)) {
            throw new IllegalArgumentException("unknown class '" + cls + "'; known: " + CLASSES);
        }
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        Color bg = randomColor(rng, 0.15f, 0.45f);
        g.setColor(bg);
        g.fillRect(0, 0, size, size);
        Color fg = contrasting(bg, rng);
        g.setColor(fg);
        double s = size;
        double cx = s * (0.4 + 0.2 * rng.nextDouble());
        double cy = s * (0.4 + 0.2 * rng.nextDouble());
        double r = s * (0.22 + 0.12 * rng.nextDouble());
        AffineTransform base = g.getTransform();
        g.rotate(rng.nextDouble() * 0.6 - 0.3, cx, cy);
        switch (cls) {
            case "circle":
                g.fillOval((int) (cx - r), (int) (cy - r), (int) (2 * r), (int) (2 * r));
                break;
            case "ring":
                g.setStroke(new BasicStroke((float) (r * 0.35)));
                g.drawOval((int) (cx - r), (int) (cy - r), (int) (2 * r), (int) (2 * r));
                break;
            case "square":
                g.fillRect((int) (cx - r), (int) (cy - r), (int) (2 * r), (int) (2 * r));
                break;
            case "diamond":
                g.fill(polygon(new double[] {cx, cx + r, cx, cx - r}, new double[] {cy - r * 1.2, cy, cy + r * 1.2, cy}));
                break;
            case "triangle":
                g.fill(polygon(new double[] {cx, cx + r * 1.1, cx - r * 1.1}, new double[] {cy - r * 1.1, cy + r * 0.9, cy + r * 0.9}));
                break;
            case "cross": {
                int w = (int) Math.max(2, r * 0.5);
                g.fillRect((int) (cx - r), (int) (cy - w / 2.0), (int) (2 * r), w);
                g.fillRect((int) (cx - w / 2.0), (int) (cy - r), w, (int) (2 * r));
                break;
            }
            case "hstripes":
            case "vstripes": {
                g.setTransform(base);
                int period = Math.max(4, (int) (s / (4 + rng.nextInt(3))));
                for (int p = rng.nextInt(period); p < size; p += period) {
                    if (cls.equals("hstripes")) {
                        g.fillRect(0, p, size, period / 2);
                    } else {
                        g.fillRect(p, 0, period / 2, size);
                    }
                }
                break;
            }
            case "checkerboard": {
                g.setTransform(base);
                int cell = Math.max(3, (int) (s / (4 + rng.nextInt(3))));
                int off = rng.nextInt(cell);
                for (int y = -off; y < size; y += cell) {
                    for (int x = -off; x < size; x += cell) {
                        if ((((x + off) / cell) + ((y + off) / cell)) % 2 == 0) {
                            g.fillRect(x, y, cell, cell);
                        }
                    }
                }
                break;
            }
            case "dots": {
                g.setTransform(base);
                int n = 6 + rng.nextInt(6);
                int d = Math.max(3, size / 9);
                for (int k = 0; k < n; k++) {
                    g.fillOval(rng.nextInt(size - d), rng.nextInt(size - d), d, d);
                }
                break;
            }
            default:
                throw new IllegalStateException(cls);
        }
        g.dispose();
        addNoise(img, rng, 12);
        return img;
    }

    private static Polygon polygon(double[] xs, double[] ys) {
        Polygon p = new Polygon();
        for (int i = 0; i < xs.length; i++) {
            p.addPoint((int) Math.round(xs[i]), (int) Math.round(ys[i]));
        }
        return p;
    }

    private static Color randomColor(Random rng, float minB, float maxB) {
        return Color.getHSBColor(rng.nextFloat(), 0.3f + 0.6f * rng.nextFloat(), minB + (maxB - minB) * rng.nextFloat());
    }

    private static Color contrasting(Color bg, Random rng) {
        float[] hsb = Color.RGBtoHSB(bg.getRed(), bg.getGreen(), bg.getBlue(), null);
        float hue = (hsb[0] + 0.25f + 0.5f * rng.nextFloat()) % 1f;
        return Color.getHSBColor(hue, 0.4f + 0.6f * rng.nextFloat(), 0.75f + 0.25f * rng.nextFloat());
    }

    private static void addNoise(BufferedImage img, Random rng, int amplitude) {
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                int n = rng.nextInt(2 * amplitude + 1) - amplitude;
                int r = clamp(((rgb >> 16) & 0xff) + n);
                int gg = clamp(((rgb >> 8) & 0xff) + n);
                int b = clamp((rgb & 0xff) + n);
                img.setRGB(x, y, (r << 16) | (gg << 8) | b);
            }
        }
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
