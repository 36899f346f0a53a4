package labkit.vision;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import labkit.image.OpenCv;
import org.opencv.core.Mat;
import org.opencv.core.MatOfRect;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;
import org.opencv.objdetect.CascadeClassifier;

/**
 * Finds faces with an OpenCV Haar cascade ({@code CascadeClassifier.detectMultiScale} on the equalised grey
 * image). {@link #frontalFace()} uses OpenCV's {@code haarcascade_frontalface_default.xml}, shipped in labkit's
 * resources (Intel/BSD-style licence in its header), so it works offline.
 */
public final class FaceDetector {
    /** A face box in pixels. */
    public record Box(int x, int y, int width, int height) {
        /** Box area in pixels. */
        public int area() {
            return width * height;
        }
    }

    private static final String FRONTAL = "haarcascade_frontalface_default.xml";
    private final CascadeClassifier cascade;
    private final Path source;
    private double scaleFactor = 1.1;
    private int minNeighbors = 5;
    private int minSize = 30;

    private FaceDetector(CascadeClassifier cascade, Path source) {
        this.cascade = cascade;
        this.source = source;
    }

    /** OpenCV's default frontal-face cascade from labkit's resources. */
    public static FaceDetector frontalFace() {
        OpenCv.load();
        try (InputStream in = FaceDetector.class.getResourceAsStream(FRONTAL)) {
            if (in == null) {
                throw new IllegalStateException("labkit resource labkit/vision/" + FRONTAL + " is missing from the"
                        + " class path; rebuild labkit, or use FaceDetector.fromFile(/usr/share/opencv4/haarcascades/" + FRONTAL + ")");
            }
            Path tmp = Files.createTempFile("labkit-", "-" + FRONTAL);
            tmp.toFile().deleteOnExit();
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            return fromFile(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the face cascade to a temporary file", e);
        }
    }

    /** A cascade from an XML file; fails with a message naming it when it is missing or not a cascade. */
    public static FaceDetector fromFile(Path xml) {
        if (xml == null || !Files.isRegularFile(xml)) {
            throw new IllegalArgumentException("Haar cascade file not found: " + (xml == null ? null : xml.toAbsolutePath())
                    + "; use FaceDetector.frontalFace() (shipped with labkit) or install Debian's opencv-data"
                    + " (/usr/share/opencv4/haarcascades/)");
        }
        OpenCv.load();
        CascadeClassifier c = new CascadeClassifier();
        boolean ok;
        try {
            ok = c.load(xml.toString());
        } catch (RuntimeException e) {
            ok = false;
        }
        if (!ok || c.empty()) {
            throw new IllegalArgumentException("not an OpenCV cascade classifier XML file: " + xml.toAbsolutePath());
        }
        return new FaceDetector(c, xml);
    }

    /** Image pyramid step (default 1.1, as OpenCV's tutorial). */
    public FaceDetector scaleFactor(double scaleFactor) {
        if (!(scaleFactor > 1)) {
            throw new IllegalArgumentException("scaleFactor must be > 1, got " + scaleFactor);
        }
        this.scaleFactor = scaleFactor;
        return this;
    }

    /** Neighbouring detections needed to keep a face (default 5; higher = fewer false faces). */
    public FaceDetector minNeighbors(int minNeighbors) {
        this.minNeighbors = minNeighbors;
        return this;
    }

    /** Smallest face side in pixels (default 30). */
    public FaceDetector minSize(int pixels) {
        this.minSize = pixels;
        return this;
    }

    /** Faces in a BGR (or grey) image, largest first. */
    public List<Box> detect(Mat image) {
        if (image == null || image.empty()) {
            throw new IllegalArgumentException("image is null or empty");
        }
        Mat grey = new Mat();
        MatOfRect found = new MatOfRect();
        try {
            if (image.channels() == 3) {
                Imgproc.cvtColor(image, grey, Imgproc.COLOR_BGR2GRAY);
            } else {
                image.copyTo(grey);
            }
            Imgproc.equalizeHist(grey, grey);
            cascade.detectMultiScale(grey, found, scaleFactor, minNeighbors, 0, new Size(minSize, minSize), new Size());
            List<Box> out = new ArrayList<>();
            for (Rect r : found.toArray()) {
                out.add(new Box(r.x, r.y, r.width, r.height));
            }
            out.sort(Comparator.comparingInt(Box::area).reversed());
            return out;
        } finally {
            grey.release();
            found.release();
        }
    }

    @Override
    public String toString() {
        return "FaceDetector(" + source.getFileName() + ", scaleFactor " + scaleFactor + ", minNeighbors " + minNeighbors + ")";
    }
}
