package labkit.vision;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.opencv.core.Core;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;
import org.opencv.objdetect.CascadeClassifier;

/**
 * Follows one face through a video, frame by frame, so that every frame gets the face and not merely the biggest
 * box. A new track starts at the most confident detection (the cascade's level weight, optionally confirmed by an
 * eye in its upper half). Afterwards a detection is accepted only if it is consistent with the track (centre
 * within half a face of the previous one, size within ×1.5), the most confident such one winning. When the
 * detector misses, the face is looked for again around its last position (a local re-detection with fewer
 * neighbours, then template matching of its last appearance); only when both fail is the last box held, for at most
 * {@code maxHeld} frames.
 */
public final class FaceTracker {
    /** How the box of a frame was found. */
    public enum Source { DETECTED, REDETECTED, MATCHED, HELD }

    /** One frame's face: the box, the detector's confidence (NaN when not detected) and how it was found. */
    public record Result(FaceDetector.Box box, double confidence, Source source) {}

    private final FaceDetector detector;
    private final CascadeClassifier eyes;
    private final int maxHeld;
    private FaceDetector.Box last;
    private Mat template;
    private int held;

    private FaceTracker(FaceDetector detector, CascadeClassifier eyes, int maxHeld) {
        this.detector = detector;
        this.eyes = eyes;
        this.maxHeld = maxHeld;
    }

    /** A tracker over {@code detector}, holding a lost face for at most 25 frames, without eye verification. */
    public static FaceTracker of(FaceDetector detector) {
        return new FaceTracker(detector, null, 25);
    }

    /**
     * Also verifies a new track's first face with OpenCV's eye cascade ({@code haarcascade_eye.xml}, e.g. from
     * Debian's opencv-data in {@code /usr/share/opencv4/haarcascades/}): a box without an eye in its upper half
     * starts no track when another box has one.
     */
    public FaceTracker withEyeCascade(Path xml) {
        if (xml == null || !Files.isRegularFile(xml)) {
            throw new IllegalArgumentException("eye cascade not found: " + xml + " (install Debian's opencv-data:"
                    + " /usr/share/opencv4/haarcascades/haarcascade_eye.xml)");
        }
        CascadeClassifier c = new CascadeClassifier();
        if (!c.load(xml.toString()) || c.empty()) {
            throw new IllegalArgumentException("not an OpenCV cascade classifier XML file: " + xml.toAbsolutePath());
        }
        return new FaceTracker(detector, c, maxHeld);
    }

    /** Frames a lost face's last box is kept for before the track ends (default 25). */
    public FaceTracker maxHeld(int frames) {
        if (frames < 0) {
            throw new IllegalArgumentException("maxHeld must be >= 0, got " + frames);
        }
        return new FaceTracker(detector, eyes, frames);
    }

    /** The face in the next frame (BGR), or empty when there is no track and nothing is detected. */
    public Optional<Result> update(Mat bgr) {
        List<FaceDetector.Detection> found = detector.detectScored(bgr);
        if (last == null) {
            FaceDetector.Detection best = null;
            for (FaceDetector.Detection d : found) {
                if (eyes == null || hasEye(bgr, d.box())) {
                    best = d;
                    break;
                }
            }
            if (best == null && !found.isEmpty()) {
                best = found.get(0);
            }
            return best == null ? Optional.empty() : Optional.of(accept(bgr, best.box(), best.confidence(),
                    Source.DETECTED));
        }
        for (FaceDetector.Detection d : found) { // most confident first
            if (consistent(d.box())) {
                return Optional.of(accept(bgr, d.box(), d.confidence(), Source.DETECTED));
            }
        }
        Rect window = around(last, 1.0, bgr);
        Mat roi = bgr.submat(window);
        try {
            for (FaceDetector.Detection d : detector.detectScored(roi, 1)) {
                FaceDetector.Box b = d.box();
                FaceDetector.Box moved = new FaceDetector.Box(b.x() + window.x, b.y() + window.y, b.width(), b.height());
                if (consistent(moved)) {
                    return Optional.of(accept(bgr, moved, d.confidence(), Source.REDETECTED));
                }
            }
        } finally {
            roi.release();
        }
        FaceDetector.Box matched = match(bgr);
        if (matched != null) {
            return Optional.of(accept(bgr, matched, Double.NaN, Source.MATCHED));
        }
        if (held < maxHeld) {
            held++;
            return Optional.of(new Result(last, Double.NaN, Source.HELD));
        }
        reset();
        return Optional.empty();
    }

    /** Forgets the track (e.g. at a cut). */
    public void reset() {
        last = null;
        held = 0;
        if (template != null) {
            template.release();
            template = null;
        }
    }

    private Result accept(Mat bgr, FaceDetector.Box b, double confidence, Source source) {
        last = clamp(b, bgr);
        held = 0;
        if (template != null) {
            template.release();
        }
        Mat roi = bgr.submat(new Rect(last.x(), last.y(), last.width(), last.height()));
        template = new Mat();
        grey(roi, template);
        roi.release();
        return new Result(last, confidence, source);
    }

    private boolean consistent(FaceDetector.Box b) {
        double side = Math.sqrt((double) last.area());
        double dx = (b.x() + b.width() / 2.0) - (last.x() + last.width() / 2.0);
        double dy = (b.y() + b.height() / 2.0) - (last.y() + last.height() / 2.0);
        double ratio = Math.sqrt((double) b.area() / last.area());
        return Math.hypot(dx, dy) <= 0.5 * side && ratio >= 1 / 1.5 && ratio <= 1.5;
    }

    /** Template matching of the last face in a window around it, at three scales; null below correlation 0.6. */
    private FaceDetector.Box match(Mat bgr) {
        if (template == null) {
            return null;
        }
        Rect window = around(last, 0.5, bgr);
        Mat grey = new Mat();
        Mat roi = bgr.submat(window);
        grey(roi, grey);
        roi.release();
        FaceDetector.Box best = null;
        double bestScore = 0.6;
        try {
            for (double s : new double[] {0.93, 1.0, 1.07}) {
                int w = (int) Math.round(template.cols() * s);
                int h = (int) Math.round(template.rows() * s);
                if (w < 8 || h < 8 || w > grey.cols() || h > grey.rows()) {
                    continue;
                }
                Mat t = new Mat();
                Mat res = new Mat();
                Imgproc.resize(template, t, new Size(w, h));
                Imgproc.matchTemplate(grey, t, res, Imgproc.TM_CCOEFF_NORMED);
                Core.MinMaxLocResult mm = Core.minMaxLoc(res);
                if (mm.maxVal > bestScore) {
                    bestScore = mm.maxVal;
                    best = new FaceDetector.Box(window.x + (int) mm.maxLoc.x, window.y + (int) mm.maxLoc.y, w, h);
                }
                t.release();
                res.release();
            }
        } finally {
            grey.release();
        }
        return best;
    }

    private boolean hasEye(Mat bgr, FaceDetector.Box b) {
        Rect upper = new Rect(b.x(), b.y(), b.width(), Math.max(1, b.height() / 2));
        Mat roi = bgr.submat(clampRect(upper, bgr));
        Mat grey = new Mat();
        org.opencv.core.MatOfRect found = new org.opencv.core.MatOfRect();
        try {
            grey(roi, grey);
            int min = Math.max(8, b.width() / 8);
            eyes.detectMultiScale(grey, found, 1.1, 3, 0, new Size(min, min), new Size());
            return found.toArray().length > 0;
        } finally {
            roi.release();
            grey.release();
            found.release();
        }
    }

    private static void grey(Mat src, Mat dst) {
        if (src.channels() == 3) {
            Imgproc.cvtColor(src, dst, Imgproc.COLOR_BGR2GRAY);
        } else {
            src.copyTo(dst);
        }
    }

    /** {@code b} widened by {@code grow} of its size on each side, clamped to the image. */
    private static Rect around(FaceDetector.Box b, double grow, Mat img) {
        int gx = (int) Math.round(b.width() * grow);
        int gy = (int) Math.round(b.height() * grow);
        return clampRect(new Rect(b.x() - gx, b.y() - gy, b.width() + 2 * gx, b.height() + 2 * gy), img);
    }

    private static Rect clampRect(Rect r, Mat img) {
        int x0 = Math.max(0, Math.min(r.x, img.cols() - 1));
        int y0 = Math.max(0, Math.min(r.y, img.rows() - 1));
        int x1 = Math.max(x0 + 1, Math.min(r.x + r.width, img.cols()));
        int y1 = Math.max(y0 + 1, Math.min(r.y + r.height, img.rows()));
        return new Rect(x0, y0, x1 - x0, y1 - y0);
    }

    private static FaceDetector.Box clamp(FaceDetector.Box b, Mat img) {
        Rect r = clampRect(new Rect(b.x(), b.y(), b.width(), b.height()), img);
        return new FaceDetector.Box(r.x, r.y, r.width, r.height);
    }
}
