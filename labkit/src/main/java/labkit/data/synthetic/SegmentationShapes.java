package labkit.data.synthetic;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import javax.imageio.ImageIO;
import labkit.data.Palette;

/**
 * A seeded synthetic segmentation set for offline use: textured backgrounds (colour gradient, stripes, noise) with
 * one to four filled shapes — circles, squares, triangles — whose class shows in both geometry and hue. Writes
 * {@code root/images/NNNN.png} and the colour masks {@code root/masks/NNNN.png} (colours of {@link #PALETTE});
 * same seed, same files. The images double as high-resolution pictures for super-resolution.
 */
public final class SegmentationShapes {
    private SegmentationShapes() {}

    /** background black, circle red, square green, triangle blue. */
    public static final Palette PALETTE = new Palette(List.of("background", "circle", "square", "triangle"),
            List.of(new int[] {0, 0, 0}, new int[] {255, 0, 0}, new int[] {0, 255, 0}, new int[] {0, 0, 255}));

    /** Writes {@code count} image/mask pairs of {@code size}×{@code size} pixels under {@code root}. */
    public static void write(Path root, int count, int size, long seed) throws IOException {
        if (count < 1 || size < 16) {
            throw new IllegalArgumentException("SegmentationShapes: need count >= 1 and size >= 16, got " + count + ", " + size);
        }
        Path images = Files.createDirectories(root.resolve("images"));
        Path masks = Files.createDirectories(root.resolve("masks"));
        Random rng = new Random(seed);
        for (int i = 0; i < count; i++) {
            BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
            BufferedImage mask = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
            texture(img, rng, null, 0, 0, size, size);
            int shapes = 1 + rng.nextInt(4);
            for (int s = 0; s < shapes; s++) {
                int cls = 1 + rng.nextInt(3);
                int r = size / 10 + rng.nextInt(size / 5);
                int cx = r + rng.nextInt(Math.max(1, size - 2 * r));
                int cy = r + rng.nextInt(Math.max(1, size - 2 * r));
                java.awt.Shape shape = switch (cls) {
                    case 1 -> new java.awt.geom.Ellipse2D.Double(cx - r, cy - r, 2 * r, 2 * r);
                    case 2 -> new java.awt.Rectangle(cx - r, cy - r, 2 * r, 2 * r);
                    default -> new Polygon(new int[] {cx, cx - r, cx + r}, new int[] {cy - r, cy + r, cy + r}, 3);
                };
                BufferedImage fill = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
                texture(fill, rng, hue(cls, rng), 0, 0, size, size);
                Graphics2D g = img.createGraphics();
                g.setClip(shape);
                g.drawImage(fill, 0, 0, null);
                g.dispose();
                Graphics2D gm = mask.createGraphics();
                int[] c = PALETTE.colours().get(cls);
                gm.setColor(new Color(c[0], c[1], c[2]));
                gm.fill(shape);
                gm.dispose();
            }
            String name = String.format(Locale.ROOT, "%04d.png", i);
            ImageIO.write(img, "png", images.resolve(name).toFile());
            ImageIO.write(mask, "png", masks.resolve(name).toFile());
        }
    }

    private static float[] hue(int cls, Random rng) {
        float h = (cls - 1) / 3f + (rng.nextFloat() - 0.5f) * 0.12f;
        return new float[] {h, 0.55f + 0.4f * rng.nextFloat(), 0.5f + 0.45f * rng.nextFloat()};
    }

    /** Gradient + stripes + noise; a given HSB base colour, or a muted random one for backgrounds. */
    private static void texture(BufferedImage img, Random rng, float[] hsb, int x0, int y0, int w, int h) {
        float[] base = hsb != null ? hsb : new float[] {rng.nextFloat(), 0.1f + 0.25f * rng.nextFloat(), 0.3f + 0.4f * rng.nextFloat()};
        double angle = rng.nextDouble() * Math.PI;
        double freq = 0.1 + 0.5 * rng.nextDouble();
        double amp = 0.08 + 0.12 * rng.nextDouble();
        double gx = (rng.nextDouble() - 0.5) * 0.4 / w;
        double gy = (rng.nextDouble() - 0.5) * 0.4 / h;
        for (int y = y0; y < y0 + h; y++) {
            for (int x = x0; x < x0 + w; x++) {
                double stripe = Math.sin(freq * (x * Math.cos(angle) + y * Math.sin(angle)));
                double v = base[2] + amp * stripe + gx * x + gy * y + 0.04 * rng.nextGaussian();
                img.setRGB(x, y, Color.HSBtoRGB(base[0], base[1], (float) Math.max(0, Math.min(1, v))));
            }
        }
    }
}
