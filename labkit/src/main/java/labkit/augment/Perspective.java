package labkit.augment;

import labkit.image.OpenCv;

import org.opencv.core.Mat;
import org.opencv.core.MatOfPoint2f;
import org.opencv.core.Point;
import org.opencv.imgproc.Imgproc;

/**
 * Warps an H×W×C image so that the four {@code startpoints} move to the {@code endpoints}, keeping the size
 * and filling with 0; torchvision's {@code F.perspective(img, startpoints, endpoints)}, including its
 * half-pixel convention. Points are {x, y} pixel coordinates in the order top-left, top-right, bottom-right,
 * bottom-left. Uses OpenCV's {@code getPerspectiveTransform} and {@code warpPerspective}.
 */
public final class Perspective implements PixelTransform {
    private final double[] matrix;
    private final Interpolation interpolation;

    /** The warp taking {@code startpoints} to {@code endpoints} (4×2 each), bilinear sampling. */
    public Perspective(double[][] startpoints, double[][] endpoints) {
        this(startpoints, endpoints, Interpolation.BILINEAR);
    }

    /** The warp taking {@code startpoints} to {@code endpoints} (4×2 each) with the given sampling. */
    public Perspective(double[][] startpoints, double[][] endpoints, Interpolation interpolation) {
        this.matrix = matrix(startpoints, endpoints);
        this.interpolation = Check.notNull(interpolation, "interpolation");
    }

    @Override
    public Pixels apply(Pixels px) {
        px.require(Pixels.Layout.HWC, "Perspective");
        return Warp.perspective(px, matrix, interpolation);
    }

    /**
     * The 3×3 forward homography (row-major) in pixel-index coordinates. torchvision solves for the map on
     * pixel corners and samples at centres, i.e. {@code out(p) = in(H⁻¹(p + ½) - ½)}: so this is
     * {@code T(-½) · H · T(+½)} with H from {@code getPerspectiveTransform}.
     */
    static double[] matrix(double[][] startpoints, double[][] endpoints) {
        checkPoints(startpoints, "startpoints");
        checkPoints(endpoints, "endpoints");
        OpenCv.load();
        MatOfPoint2f src = points(startpoints);
        MatOfPoint2f dst = points(endpoints);
        Mat h = null;
        try {
            h = Imgproc.getPerspectiveTransform(src, dst);
            double[] m = new double[9];
            h.get(0, 0, m);
            for (double v : m) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("startpoints/endpoints: no perspective warp maps these points "
                            + "(three of them are on a line?)");
                }
            }
            // T(-1/2) · H · T(+1/2)
            double[] r = new double[9];
            for (int i = 0; i < 3; i++) {
                r[3 * i] = m[3 * i];
                r[3 * i + 1] = m[3 * i + 1];
                r[3 * i + 2] = m[3 * i + 2] + 0.5 * (m[3 * i] + m[3 * i + 1]);
            }
            for (int j = 0; j < 3; j++) {
                r[j] -= 0.5 * r[6 + j];
                r[3 + j] -= 0.5 * r[6 + j];
            }
            return r;
        } finally {
            src.release();
            dst.release();
            if (h != null) {
                h.release();
            }
        }
    }

    private static MatOfPoint2f points(double[][] p) {
        return new MatOfPoint2f(new Point(p[0][0], p[0][1]), new Point(p[1][0], p[1][1]),
                new Point(p[2][0], p[2][1]), new Point(p[3][0], p[3][1]));
    }

    private static void checkPoints(double[][] p, String name) {
        boolean ok = p != null && p.length == 4;
        for (int i = 0; ok && i < 4; i++) {
            ok = p[i] != null && p[i].length == 2 && Double.isFinite(p[i][0]) && Double.isFinite(p[i][1]);
        }
        if (!ok) {
            throw new IllegalArgumentException(name + " must be 4 finite {x, y} points (top-left, top-right, "
                    + "bottom-right, bottom-left)");
        }
    }

    @Override
    public String toString() {
        return "Perspective(" + interpolation + ")";
    }
}
