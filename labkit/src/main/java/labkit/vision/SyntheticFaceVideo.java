package labkit.vision;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import labkit.image.Mats;
import labkit.image.OpenCv;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.videoio.VideoWriter;

/**
 * Writes an offline test video with a real face: a portrait (by default NASA's public-domain astronaut photo from
 * scikit-image, shipped in labkit's resources) slowly panned and zoomed over the frames, encoded as MJPG
 * {@code .avi} with OpenCV's {@link VideoWriter}. Reading it back goes through the same code as any video.
 */
public final class SyntheticFaceVideo {
    private SyntheticFaceVideo() {}

    /** The bundled portrait (256×256 RGB). */
    public static BufferedImage astronaut() {
        try (InputStream in = SyntheticFaceVideo.class.getResourceAsStream("astronaut.jpg")) {
            if (in == null) {
                throw new IllegalStateException("labkit resource labkit/vision/astronaut.jpg is missing; rebuild labkit");
            }
            return ImageIO.read(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundled astronaut.jpg", e);
        }
    }

    /** Writes {@code frames} frames of {@code width}×{@code height} at 15 fps from the bundled portrait. */
    public static Path write(Path file, int frames, int width, int height) {
        return write(file, astronaut(), frames, width, height);
    }

    /**
     * Writes {@code frames} frames: frame i shows a window over {@code portrait} that zooms from the whole image
     * to 80% of it and drifts sideways, scaled to {@code width}×{@code height}. {@code file} should end in .avi.
     */
    public static Path write(Path file, BufferedImage portrait, int frames, int width, int height) {
        if (frames < 1 || width < 16 || height < 16) {
            throw new IllegalArgumentException("need frames >= 1 and a frame of at least 16×16, got " + frames
                    + " frames of " + width + "×" + height);
        }
        OpenCv.load();
        try {
            if (file.toAbsolutePath().getParent() != null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create folder for " + file, e);
        }
        // OpenCV's built-in MJPG writer named explicitly: probing other back-ends prints errors to stderr
        VideoWriter writer = new VideoWriter(file.toString(), org.opencv.videoio.Videoio.CAP_OPENCV_MJPEG,
                VideoWriter.fourcc('M', 'J', 'P', 'G'), 15,
                new Size(width, height), true);
        if (!writer.isOpened()) {
            throw new IllegalStateException("OpenCV cannot write " + file + " (use an .avi name; MJPG is built in)");
        }
        try {
            int pw = portrait.getWidth();
            int ph = portrait.getHeight();
            for (int i = 0; i < frames; i++) {
                double t = frames == 1 ? 0 : i / (double) (frames - 1);
                double zoom = 1.0 - 0.2 * t;
                double sw = pw * zoom;
                double sh = ph * zoom;
                double sx = (pw - sw) * (0.5 + 0.4 * Math.sin(2 * Math.PI * t) / 2);
                double sy = (ph - sh) * 0.3;
                BufferedImage frame = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
                Graphics2D g = frame.createGraphics();
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                g.drawImage(portrait, 0, 0, width, height, (int) sx, (int) sy, (int) (sx + sw), (int) (sy + sh), null);
                g.dispose();
                Mat m = Mats.toMat(frame);
                writer.write(m);
                m.release();
            }
        } finally {
            writer.release();
        }
        return file;
    }
}
