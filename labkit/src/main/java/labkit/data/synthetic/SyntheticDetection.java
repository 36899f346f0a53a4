package labkit.data.synthetic;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import labkit.boxes.BoxAnnotation;
import labkit.data.CocoAnnotations;

/**
 * A seeded synthetic detection set: {@code size}×{@code size} noisy images with one to three filled shapes
 * (circle, square, triangle — the categories 1, 2, 3) of random colour, whose sizes are drawn from COCO's three
 * bands (small below 32², medium 32²..96², large above 96² pixels of area, where the image allows), written as
 * PNGs plus a COCO instances file {@code annotations.json}. Same seed, same files.
 */
public final class SyntheticDetection {
    /** Category names, ids 1..3 in this order. */
    public static final List<String> CLASSES = List.of("circle", "square", "triangle");

    private SyntheticDetection() {}

    /** Writes {@code n} images into {@code dir/images/} and {@code dir/annotations.json}; returns the annotations. */
    public static CocoAnnotations write(Path dir, int n, int size, long seed) {
        if (n < 1 || size < 48) {
            throw new IllegalArgumentException("need n >= 1 images of size >= 48 pixels, got " + n + ", " + size);
        }
        Random rng = new Random(seed);
        Map<Long, String> images = new LinkedHashMap<>();
        Map<Long, int[]> sizes = new LinkedHashMap<>();
        Map<Integer, String> cats = new LinkedHashMap<>();
        for (int c = 0; c < CLASSES.size(); c++) {
            cats.put(c + 1, CLASSES.get(c));
        }
        List<BoxAnnotation> anns = new ArrayList<>();
        try {
            Path imgDir = Files.createDirectories(dir.resolve("images"));
            for (int i = 1; i <= n; i++) {
                BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = img.createGraphics();
                g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
                int bg = 60 + rng.nextInt(80);
                for (int y = 0; y < size; y++) {
                    for (int x = 0; x < size; x++) {
                        int v = Math.max(0, Math.min(255, bg + (int) (rng.nextGaussian() * 12)));
                        img.setRGB(x, y, new Color(v, v, v).getRGB());
                    }
                }
                List<int[]> placed = new ArrayList<>();
                int objects = 1 + rng.nextInt(3);
                for (int o = 0; o < objects; o++) {
                    int band = rng.nextInt(3);
                    int maxSide = size - 4;
                    int side = switch (band) {
                        case 0 -> 8 + rng.nextInt(22);
                        case 1 -> 34 + rng.nextInt(Math.max(1, Math.min(90, maxSide) - 34));
                        default -> Math.min(maxSide, 98 + rng.nextInt(Math.max(1, maxSide - 97)));
                    };
                    int[] box = null;
                    for (int tries = 0; tries < 20 && box == null; tries++) {
                        int x = rng.nextInt(size - side + 1);
                        int y = rng.nextInt(size - side + 1);
                        int[] cand = {x, y, side, side};
                        boolean free = true;
                        for (int[] p : placed) {
                            if (overlap(cand, p) > 0.2) {
                                free = false;
                            }
                        }
                        if (free) {
                            box = cand;
                        }
                    }
                    if (box == null) {
                        continue;
                    }
                    placed.add(box);
                    int cat = 1 + rng.nextInt(3);
                    Color col = Color.getHSBColor(rng.nextFloat(), 0.6f + 0.4f * rng.nextFloat(),
                            0.75f + 0.25f * rng.nextFloat());
                    g.setColor(col);
                    int x = box[0];
                    int y = box[1];
                    int s = box[2];
                    switch (cat) {
                        case 1 -> g.fillOval(x, y, s, s);
                        case 2 -> g.fillRect(x, y, s, s);
                        default -> g.fillPolygon(new Polygon(new int[] {x, x + s / 2, x + s},
                                new int[] {y + s, y, y + s}, 3));
                    }
                    anns.add(new BoxAnnotation(anns.size() + 1, i, cat, x, y, s, s, (double) s * s, false));
                }
                g.dispose();
                String name = String.format(Locale.ROOT, "%05d.png", i);
                ImageIO.write(img, "png", imgDir.resolve(name).toFile());
                images.put((long) i, name);
                sizes.put((long) i, new int[] {size, size});
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the synthetic detection set to " + dir, e);
        }
        CocoAnnotations a = new CocoAnnotations(images, sizes, cats, anns);
        a.write(dir.resolve("annotations.json"));
        return a;
    }

    /** Intersection over the smaller box's area. */
    private static double overlap(int[] a, int[] b) {
        int w = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
        int h = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
        if (w <= 0 || h <= 0) {
            return 0;
        }
        return (double) w * h / Math.min(a[2] * a[3], b[2] * b[3]);
    }
}
