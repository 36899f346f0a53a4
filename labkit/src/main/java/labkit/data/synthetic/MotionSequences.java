package labkit.data.synthetic;

import java.awt.Color;
import java.awt.Graphics2D;
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
 * Seeded synthetic "clips" for trying VideoNet offline: each clip is a folder of frames showing a bright blob
 * that moves in one of {@code classes} directions (class k: angle 2πk/classes) over a noisy background, so only
 * the order of the frames tells the class apart. Written as {@code root/<class>/<clip>/frame_NNN.png}, the layout
 * {@code labkit.data.FaceSequenceDataset} reads.
 */
public final class MotionSequences {
    private MotionSequences() {}

    /** Writes {@code perClass} clips of {@code frames} frames of size×size for each of {@code classNames}. */
    public static Path write(Path root, List<String> classNames, int perClass, int frames, int size, long seed) {
        Random rng = new Random(seed);
        int k = classNames.size();
        try {
            for (int c = 0; c < k; c++) {
                double angle = 2 * Math.PI * c / k;
                for (int i = 0; i < perClass; i++) {
                    Path clip = Files.createDirectories(root.resolve(classNames.get(c)).resolve(String.format(Locale.ROOT, "clip_%03d", i)));
                    double x = size / 2.0 + rng.nextGaussian() * size * 0.05;
                    double y = size / 2.0 + rng.nextGaussian() * size * 0.05;
                    double step = size * 0.35 / frames;
                    int r = Math.max(2, size / 6);
                    for (int f = 0; f < frames; f++) {
                        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
                        Graphics2D g = img.createGraphics();
                        g.setColor(new Color(40 + rng.nextInt(30), 40 + rng.nextInt(30), 40 + rng.nextInt(30)));
                        g.fillRect(0, 0, size, size);
                        double px = x + Math.cos(angle) * step * (f - frames / 2.0);
                        double py = y + Math.sin(angle) * step * (f - frames / 2.0);
                        g.setColor(new Color(230, 200, 170));
                        g.fillOval((int) (px - r), (int) (py - r), 2 * r, 2 * r);
                        g.dispose();
                        ImageIO.write(img, "png", clip.resolve(String.format(Locale.ROOT, "frame_%03d.png", f)).toFile());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write synthetic sequences to " + root, e);
        }
        return root;
    }
}
