package labkit.vision;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import labkit.image.Mats;
import labkit.image.OpenCv;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.Java2DFrameConverter;
import org.opencv.core.Mat;
import org.opencv.videoio.VideoCapture;
import org.opencv.videoio.Videoio;

/**
 * Reads the frames of a video file as OpenCV BGR {@link Mat}s, every frame or every n-th. Decoding is done by
 * FFmpeg through JavaCV ({@code .mp4} as in RAVDESS, {@code .avi}, {@code .mov}, {@code .mkv}), because
 * {@code org.openpnp:opencv} has no FFmpeg and its own readers print errors to stderr for every file they
 * reject; where FFmpeg's natives are missing (labkit ships them for linux-x86_64 only) OpenCV's built-in MJPG
 * reader opens {@code .avi} files. {@link #backend()} says which one is in use. A file that cannot be decoded
 * gives an error naming it.
 */
public final class VideoReader implements AutoCloseable {
    /** One decoded frame: its 0-based index in the video, its time, and the BGR image (released by the reader). */
    public record VideoFrame(int index, double timeMs, Mat bgr) {}

    private final Path file;
    private VideoCapture capture;
    private FFmpegFrameGrabber grabber;
    private Java2DFrameConverter converter;
    private int next;

    private VideoReader(Path file) {
        this.file = file;
    }

    /** Opens {@code file}; fails with a message naming it when it is missing or no decoder can read it. */
    public static VideoReader open(Path file) {
        if (file == null || !Files.isRegularFile(file)) {
            throw new IllegalArgumentException("video file not found: " + (file == null ? null : file.toAbsolutePath()));
        }
        OpenCv.load();
        VideoReader r = new VideoReader(file);
        FFmpegFrameGrabber g = null;
        try {
            avutil.av_log_set_level(avutil.AV_LOG_FATAL); // failures become our exception, not stderr lines
            g = new FFmpegFrameGrabber(file.toFile());
            g.start();
            if (g.getImageWidth() <= 0) {
                throw new IllegalArgumentException("the file has no video stream");
            }
            r.grabber = g;
            r.converter = new Java2DFrameConverter();
            return r;
        } catch (LinkageError e) {
            // FFmpeg natives ship for linux-x86_64 only: elsewhere OpenCV's built-in MJPG reader still opens .avi
            closeQuietly(g);
            VideoCapture cap = new VideoCapture(file.toString());
            if (cap.isOpened() && cap.get(Videoio.CAP_PROP_FRAME_COUNT) > 0) {
                r.capture = cap;
                return r;
            }
            cap.release();
            throw new IllegalArgumentException("cannot read video " + file.toAbsolutePath() + ": FFmpeg is not"
                    + " available on this platform (" + e + ") and OpenCV reads only MJPG .avi files; convert it"
                    + " to MJPG .avi or run on linux-x86_64", e);
        } catch (Exception e) {
            closeQuietly(g);
            throw new IllegalArgumentException("cannot read video " + file.toAbsolutePath() + ": FFmpeg cannot"
                    + " decode it (" + e.getMessage() + "); check that it is a complete video file (.mp4, .avi,"
                    + " .mov, .mkv), not empty or truncated", e);
        }
    }

    private static void closeQuietly(FFmpegFrameGrabber g) {
        if (g != null) {
            try {
                g.close();
            } catch (Exception | LinkageError ignored) {
                // the open already failed; its error is the one to report
            }
        }
    }

    /** "opencv" or "ffmpeg": the decoder reading this file. */
    public String backend() {
        return capture != null ? "opencv" : "ffmpeg";
    }

    /** Frames per second the file declares (0 when unknown). */
    public double fps() {
        return capture != null ? capture.get(Videoio.CAP_PROP_FPS) : grabber.getFrameRate();
    }

    /** Frame count the file declares (may be approximate for some containers). */
    public int frameCount() {
        return capture != null ? (int) capture.get(Videoio.CAP_PROP_FRAME_COUNT) : grabber.getLengthInVideoFrames();
    }

    /** The file being read. */
    public Path file() {
        return file;
    }

    /** The next frame as a new BGR Mat (the caller releases it), or null at the end. */
    public VideoFrame next() {
        int index = next;
        if (capture != null) {
            Mat m = new Mat();
            if (!capture.read(m) || m.empty()) {
                m.release();
                return null;
            }
            next++;
            return new VideoFrame(index, fps() > 0 ? index * 1000.0 / fps() : Double.NaN, m);
        }
        try {
            Frame f = grabber.grabImage();
            if (f == null) {
                return null;
            }
            BufferedImage img = converter.convert(f);
            BufferedImage rgb = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
            rgb.getGraphics().drawImage(img, 0, 0, null);
            next++;
            return new VideoFrame(index, f.timestamp / 1000.0, Mats.toMat(rgb));
        } catch (org.bytedeco.javacv.FrameGrabber.Exception e) {
            throw new IllegalStateException("cannot decode frame " + index + " of " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Calls {@code action} with every {@code every}-th frame (0, n, 2n, ...) up to {@code maxFrames} frames
     * (0 = no limit), releasing each Mat afterwards; memory stays flat for long videos. Returns the count.
     */
    public int forEach(int every, int maxFrames, Consumer<VideoFrame> action) {
        if (every < 1) {
            throw new IllegalArgumentException("every must be >= 1, got " + every);
        }
        int seen = 0;
        VideoFrame f;
        while ((f = next()) != null) {
            try {
                if (f.index() % every == 0) {
                    action.accept(f);
                    seen++;
                    if (maxFrames > 0 && seen >= maxFrames) {
                        break;
                    }
                }
            } finally {
                f.bgr().release();
            }
        }
        return seen;
    }

    /** Every {@code every}-th frame as an RGB {@link BufferedImage} (up to {@code maxFrames}; 0 = all). */
    public List<BufferedImage> frames(int every, int maxFrames) {
        List<BufferedImage> out = new ArrayList<>();
        forEach(every, maxFrames, f -> out.add(Mats.toBufferedImage(f.bgr())));
        return out;
    }

    @Override
    public void close() {
        if (capture != null) {
            capture.release();
        }
        if (grabber != null) {
            try {
                grabber.close();
            } catch (Exception e) {
                throw new IllegalStateException("cannot close " + file, e);
            }
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "VideoReader(%s, %s, %d frames at %.1f fps)", file, backend(), frameCount(), fps());
    }
}
