package labkit.vision;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Cuts the faces out of a video: reads every n-th frame, finds the face, widens its box by a margin (clamped to
 * the frame), resizes the crop to a square and saves it as {@code frame_00012_face_0.png} (frame index, face
 * index) in a folder. Returns a table with one row per crop. With one face per frame (the default) a
 * {@link FaceTracker} follows the face: the most confident detection consistent with the previous frames, not the
 * biggest box, and a re-detection or template match around the last position when the detector misses, so every
 * frame after the face first appears gets a crop. With {@code maxFacesPerFrame > 1} (or {@code track(false)})
 * every detection is cropped, largest first.
 *
 * <pre>{@code
 * Table t = FaceCrops.builder().every(2).size(64).margin(0.2).build().extract(video, outDir);
 * }</pre>
 */
public final class FaceCrops {
    private final FaceDetector detector;
    private final int every;
    private final int maxFrames;
    private final int size;
    private final double margin;
    private final int maxFacesPerFrame;
    private final boolean track;
    private final Path eyeCascade;

    private FaceCrops(Builder b) {
        this.detector = b.detector != null ? b.detector : FaceDetector.frontalFace();
        this.every = b.every;
        this.maxFrames = b.maxFrames;
        this.size = b.size;
        this.margin = b.margin;
        this.maxFacesPerFrame = b.maxFacesPerFrame;
        this.track = b.track && b.maxFacesPerFrame == 1;
        this.eyeCascade = b.eyeCascade;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The file name of a crop: {@code frame_<frame, 5 digits>_face_<index>.png}. */
    public static String cropName(int frame, int face) {
        return String.format(Locale.ROOT, "frame_%05d_face_%d.png", frame, face);
    }

    /**
     * Reads {@code video}, saves the face crops into {@code outDir} (created) and returns the detections:
     * columns frame, time_ms, face, x, y, width, height (box in the frame), file (crop file name), confidence (the
     * detector's, NaN when the tracker found the face otherwise) and source ({@link FaceTracker.Source}, or
     * "DETECTED" without tracking). Frames without a face add no row; the table's name is the video's file name.
     */
    public Table extract(Path video, Path outDir) {
        try {
            Files.createDirectories(outDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create crop folder " + outDir, e);
        }
        IntColumn frame = IntColumn.create("frame");
        DoubleColumn time = DoubleColumn.create("time_ms");
        IntColumn face = IntColumn.create("face");
        IntColumn x = IntColumn.create("x");
        IntColumn y = IntColumn.create("y");
        IntColumn w = IntColumn.create("width");
        IntColumn h = IntColumn.create("height");
        StringColumn file = StringColumn.create("file");
        DoubleColumn confidence = DoubleColumn.create("confidence");
        StringColumn source = StringColumn.create("source");
        int[] frames = new int[1];
        FaceTracker tracker = track ? FaceTracker.of(detector) : null;
        if (tracker != null && eyeCascade != null) {
            tracker = tracker.withEyeCascade(eyeCascade);
        }
        FaceTracker tr = tracker;
        try (VideoReader reader = VideoReader.open(video)) {
            reader.forEach(every, maxFrames, f -> {
                frames[0]++;
                if (tr != null) {
                    tr.update(f.bgr()).ifPresent(r -> {
                        String name = cropName(f.index(), 0);
                        save(f.bgr(), r.box(), outDir.resolve(name));
                        frame.append(f.index());
                        time.append(f.timeMs());
                        face.append(0);
                        x.append(r.box().x());
                        y.append(r.box().y());
                        w.append(r.box().width());
                        h.append(r.box().height());
                        file.append(name);
                        confidence.append(r.confidence());
                        source.append(r.source().name());
                    });
                    return;
                }
                int k = 0;
                for (FaceDetector.Box b : detector.detect(f.bgr())) {
                    if (k >= maxFacesPerFrame) {
                        break;
                    }
                    String name = cropName(f.index(), k);
                    save(f.bgr(), b, outDir.resolve(name));
                    frame.append(f.index());
                    time.append(f.timeMs());
                    face.append(k);
                    x.append(b.x());
                    y.append(b.y());
                    w.append(b.width());
                    h.append(b.height());
                    file.append(name);
                    confidence.append(Double.NaN);
                    source.append("DETECTED");
                    k++;
                }
            });
        }
        Table t = Table.create(video.getFileName().toString(), frame, time, face, x, y, w, h, file, confidence, source);
        return t;
    }

    /** The crop of {@code box} widened by the margin, clamped to the image and resized to size×size. */
    public Mat crop(Mat bgr, FaceDetector.Box box) {
        int mx = (int) Math.round(box.width() * margin);
        int my = (int) Math.round(box.height() * margin);
        int x0 = Math.max(0, box.x() - mx);
        int y0 = Math.max(0, box.y() - my);
        int x1 = Math.min(bgr.cols(), box.x() + box.width() + mx);
        int y1 = Math.min(bgr.rows(), box.y() + box.height() + my);
        Mat roi = bgr.submat(new Rect(x0, y0, x1 - x0, y1 - y0));
        Mat out = new Mat();
        Imgproc.resize(roi, out, new Size(size, size), 0, 0, Imgproc.INTER_AREA);
        roi.release();
        return out;
    }

    private void save(Mat bgr, FaceDetector.Box box, Path file) {
        Mat c = crop(bgr, box);
        try {
            if (!Imgcodecs.imwrite(file.toString(), c)) {
                throw new UncheckedIOException(new IOException("cannot write face crop " + file));
            }
        } finally {
            c.release();
        }
    }

    /** Options: frame step, frame limit, crop size and margin, detector. */
    public static final class Builder {
        private FaceDetector detector;
        private int every = 1;
        private int maxFrames;
        private int size = 64;
        private double margin = 0.2;
        private int maxFacesPerFrame = 1;
        private boolean track = true;
        private Path eyeCascade;

        /** Follow one face with a {@link FaceTracker} (default true; only with one face per frame). */
        public Builder track(boolean track) {
            this.track = track;
            return this;
        }

        /**
         * Verify a new track's first face with OpenCV's eye cascade at {@code xml} (e.g.
         * {@code /usr/share/opencv4/haarcascades/haarcascade_eye.xml} from Debian's opencv-data; default: off).
         */
        public Builder eyeCascade(Path xml) {
            this.eyeCascade = xml;
            return this;
        }

        /** The detector (default {@link FaceDetector#frontalFace()}). */
        public Builder detector(FaceDetector detector) {
            this.detector = detector;
            return this;
        }

        /** Use every n-th frame (default 1: every frame). */
        public Builder every(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("every must be >= 1, got " + n);
            }
            this.every = n;
            return this;
        }

        /** Stop after this many used frames (default 0: all). */
        public Builder maxFrames(int n) {
            this.maxFrames = n;
            return this;
        }

        /** Side of the saved square crops in pixels (default 64). */
        public Builder size(int pixels) {
            if (pixels < 8) {
                throw new IllegalArgumentException("crop size must be >= 8 pixels, got " + pixels);
            }
            this.size = pixels;
            return this;
        }

        /** Extra border around each box, as a fraction of its width/height on each side (default 0.2). */
        public Builder margin(double margin) {
            if (!(margin >= 0)) {
                throw new IllegalArgumentException("margin must be >= 0, got " + margin);
            }
            this.margin = margin;
            return this;
        }

        /** Faces kept per frame, largest first (default 1; more than 1 turns tracking off). */
        public Builder maxFacesPerFrame(int n) {
            this.maxFacesPerFrame = n;
            return this;
        }

        public FaceCrops build() {
            return new FaceCrops(this);
        }
    }
}
