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
 * image), or with OpenCV's DNN face detector YuNet ({@code FaceDetectorYN}) when its model file is given
 * ({@link #yunet(Path)}). {@link #frontalFace()} uses OpenCV's {@code haarcascade_frontalface_default.xml},
 * shipped in labkit's resources (Intel/BSD-style licence in its header), so it works offline.
 * {@link #detectScored(Mat)} also returns each box's confidence: the cascade's last-stage level weight
 * ({@code detectMultiScale3} with reject levels) or YuNet's score.
 */
public final class FaceDetector {
    /** A face box in pixels. */
    public record Box(int x, int y, int width, int height) {
        /** Box area in pixels. */
        public int area() {
            return width * height;
        }
    }

    /** A face box with the detector's confidence (cascade level weight, or YuNet score in [0, 1]). */
    public record Detection(Box box, double confidence) {}

    /** YuNet's model file name in OpenCV's model zoo ({@code models/face_detection_yunet/}). */
    public static final String YUNET_FILE = "face_detection_yunet_2023mar.onnx";
    /** Where OpenCV's model zoo publishes {@link #YUNET_FILE}. */
    public static final String YUNET_URL =
            "https://github.com/opencv/opencv_zoo/raw/main/models/face_detection_yunet/" + YUNET_FILE;

    private static final String FRONTAL = "haarcascade_frontalface_default.xml";
    private final CascadeClassifier cascade;
    private final org.opencv.objdetect.FaceDetectorYN yunet;
    private final Path source;
    private double scaleFactor = 1.1;
    private int minNeighbors = 5;
    private int minSize = 30;

    private FaceDetector(CascadeClassifier cascade, Path source) {
        this.cascade = cascade;
        this.yunet = null;
        this.source = source;
    }

    private FaceDetector(org.opencv.objdetect.FaceDetectorYN yunet, Path source) {
        this.cascade = null;
        this.yunet = yunet;
        this.source = source;
    }

    /**
     * OpenCV's YuNet DNN face detector from its ONNX file ({@value #YUNET_FILE}); a missing file is an error that
     * names it and where to get it (labkit never downloads it in tests or offline).
     */
    public static FaceDetector yunet(Path onnx) {
        if (onnx == null || !Files.isRegularFile(onnx)) {
            throw new IllegalArgumentException("YuNet face detector model not found: "
                    + (onnx == null ? YUNET_FILE : onnx.toAbsolutePath()) + "; download " + YUNET_URL
                    + " there, or use FaceDetector.frontalFace() (the Haar cascade shipped with labkit)");
        }
        OpenCv.load();
        try {
            return new FaceDetector(org.opencv.objdetect.FaceDetectorYN.create(onnx.toString(), "", new Size(320, 320),
                    0.6f, 0.3f, 50), onnx);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a YuNet ONNX model that OpenCV can load: " + onnx.toAbsolutePath()
                    + " (" + e.getMessage() + ")", e);
        }
    }

    /**
     * YuNet when {@code onnx} exists, else the Haar cascade of {@link #frontalFace()}: the notebooks' choice, so a
     * Binder user who fetched the model gets the DNN detector and an offline run still works.
     */
    public static FaceDetector best(Path onnx) {
        return onnx != null && Files.isRegularFile(onnx) ? yunet(onnx) : frontalFace();
    }

    /** Whether this is the YuNet DNN detector (otherwise a Haar cascade). */
    public boolean isDnn() {
        return yunet != null;
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
        if (yunet != null) {
            List<Box> out = new ArrayList<>(detectScored(image).stream().map(Detection::box).toList());
            out.sort(Comparator.comparingInt(Box::area).reversed());
            return out;
        }
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

    /**
     * Faces with their confidence, most confident first. A cascade runs {@code detectMultiScale3} with reject levels
     * and reports each grouped box's level weight (larger: more face-like); YuNet reports its score.
     */
    public List<Detection> detectScored(Mat image) {
        return detectScored(image, minNeighbors);
    }

    /** As {@link #detectScored(Mat)} with another {@code minNeighbors} (a local re-detection may ask for fewer). */
    public List<Detection> detectScored(Mat image, int neighbors) {
        if (image == null || image.empty()) {
            throw new IllegalArgumentException("image is null or empty");
        }
        List<Detection> out = new ArrayList<>();
        if (yunet != null) {
            Mat bgr = new Mat();
            Mat faces = new Mat();
            try {
                if (image.channels() == 1) {
                    Imgproc.cvtColor(image, bgr, Imgproc.COLOR_GRAY2BGR);
                } else {
                    image.copyTo(bgr);
                }
                yunet.setInputSize(new Size(bgr.cols(), bgr.rows()));
                yunet.detect(bgr, faces);
                for (int i = 0; i < faces.rows(); i++) {
                    double[] v = new double[15];
                    for (int k = 0; k < 15; k++) {
                        v[k] = faces.get(i, k)[0];
                    }
                    out.add(new Detection(new Box((int) Math.round(v[0]), (int) Math.round(v[1]),
                            (int) Math.round(v[2]), (int) Math.round(v[3])), faces.get(i, 14)[0]));
                }
            } finally {
                bgr.release();
                faces.release();
            }
        } else {
            Mat grey = new Mat();
            MatOfRect found = new MatOfRect();
            org.opencv.core.MatOfInt levels = new org.opencv.core.MatOfInt();
            org.opencv.core.MatOfDouble weights = new org.opencv.core.MatOfDouble();
            try {
                if (image.channels() == 3) {
                    Imgproc.cvtColor(image, grey, Imgproc.COLOR_BGR2GRAY);
                } else {
                    image.copyTo(grey);
                }
                Imgproc.equalizeHist(grey, grey);
                cascade.detectMultiScale3(grey, found, levels, weights, scaleFactor, neighbors, 0,
                        new Size(minSize, minSize), new Size(), true);
                Rect[] r = found.toArray();
                double[] w = weights.toArray();
                for (int i = 0; i < r.length; i++) {
                    out.add(new Detection(new Box(r[i].x, r[i].y, r[i].width, r[i].height), i < w.length ? w[i] : 0));
                }
            } finally {
                grey.release();
                found.release();
                levels.release();
                weights.release();
            }
        }
        out.sort(Comparator.comparingDouble(Detection::confidence).reversed());
        return out;
    }

    @Override
    public String toString() {
        return "FaceDetector(" + source.getFileName() + ", scaleFactor " + scaleFactor + ", minNeighbors " + minNeighbors + ")";
    }
}
