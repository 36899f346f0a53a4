package labkit.data;

import ai.djl.ndarray.NDArray;
import java.util.Random;
import labkit.image.Mats;
import labkit.image.OpenCv;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Point;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * One random geometry applied to an image and its mask alike (segmentation augmentation): horizontal flip,
 * rotation, scaling and translation combined into a single affine warp (OpenCV {@code warpAffine}, reflected
 * borders on both). The image is interpolated bilinearly, the mask by nearest neighbour so it keeps valid class
 * indices. Same {@link Random} state, same warp.
 */
public final class PairedAugment {

    /** An augmented image (H×W×3 uint8) and its class map (H×W uint8). */
    public record Pair(NDArray image, NDArray mask) {}

    private final double flip;
    private final double degrees;
    private final double[] scale;
    private final double translate;

    private PairedAugment(Builder b) {
        this.flip = b.flip;
        this.degrees = b.degrees;
        this.scale = b.scale;
        this.translate = b.translate;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The 2×3 affine matrix (pixel coordinates) for one draw from {@code rng} on a {@code w}×{@code h} image. */
    public Mat sampleMatrix(int w, int h, Random rng) {
        OpenCv.load();
        boolean doFlip = rng.nextDouble() < flip;
        double angle = (2 * rng.nextDouble() - 1) * degrees;
        double s = scale[0] + (scale[1] - scale[0]) * rng.nextDouble();
        double tx = (2 * rng.nextDouble() - 1) * translate * w;
        double ty = (2 * rng.nextDouble() - 1) * translate * h;
        Mat m = Imgproc.getRotationMatrix2D(new Point((w - 1) / 2.0, (h - 1) / 2.0), angle, s);
        m.put(0, 2, m.get(0, 2)[0] + tx);
        m.put(1, 2, m.get(1, 2)[0] + ty);
        if (doFlip) { // x → (w−1) − x applied first: M·F
            m.put(0, 2, m.get(0, 2)[0] + m.get(0, 0)[0] * (w - 1));
            m.put(0, 0, -m.get(0, 0)[0]);
            m.put(1, 2, m.get(1, 2)[0] + m.get(1, 0)[0] * (w - 1));
            m.put(1, 0, -m.get(1, 0)[0]);
        }
        return m;
    }

    /** Warps image (H×W×C uint8) and class map (H×W uint8) with one random geometry; sizes must match. */
    public Pair apply(NDArray image, NDArray mask, Random rng) {
        long h = image.getShape().get(0);
        long w = image.getShape().get(1);
        if (mask.getShape().get(0) != h || mask.getShape().get(1) != w) {
            throw new IllegalArgumentException("PairedAugment: image is " + w + "×" + h + " but mask is "
                    + mask.getShape().get(1) + "×" + mask.getShape().get(0));
        }
        Mat m = sampleMatrix((int) w, (int) h, rng);
        return new Pair(warp(image, m, Imgproc.INTER_LINEAR), warp(mask, m, Imgproc.INTER_NEAREST));
    }

    /** Applies a 2×3 affine matrix to an H×W(×C) uint8 array with the given OpenCV interpolation. */
    public static NDArray warp(NDArray a, Mat matrix, int interpolation) {
        Mat src = Mats.imageToMat(a);
        Mat dst = new Mat();
        Mat m32 = new Mat();
        try {
            matrix.convertTo(m32, CvType.CV_64F);
            Imgproc.warpAffine(src, dst, m32, new Size(src.cols(), src.rows()), interpolation, Core.BORDER_REFLECT_101);
            return Mats.toImageLike(dst, a);
        } finally {
            src.release();
            dst.release();
            m32.release();
        }
    }

    /** Builder; defaults: flip 0.5, rotation ±15°, scale 0.9–1.1, translation ±5 %. */
    public static final class Builder {
        private double flip = 0.5;
        private double degrees = 15;
        private double[] scale = {0.9, 1.1};
        private double translate = 0.05;

        /** Probability of a horizontal flip. */
        public Builder horizontalFlip(double p) { this.flip = p; return this; }
        /** Rotation drawn uniformly in ±{@code degrees}. */
        public Builder rotation(double degrees) { this.degrees = degrees; return this; }
        /** Zoom factor range. */
        public Builder scale(double lo, double hi) {
            if (lo <= 0 || hi < lo) {
                throw new IllegalArgumentException("scale: need 0 < lo <= hi, got " + lo + ".." + hi);
            }
            this.scale = new double[] {lo, hi};
            return this;
        }
        /** Shift drawn uniformly in ±{@code fraction} of the width/height. */
        public Builder translate(double fraction) { this.translate = fraction; return this; }

        public PairedAugment build() {
            if (flip < 0 || flip > 1) {
                throw new IllegalArgumentException("horizontalFlip probability must be in [0, 1], got " + flip);
            }
            return new PairedAugment(this);
        }
    }
}
