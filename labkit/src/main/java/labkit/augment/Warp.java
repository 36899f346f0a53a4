package labkit.augment;

import labkit.image.OpenCv;

import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * OpenCV warps over {@link Pixels} (H×W×C floats): affine, perspective and resize, fill 0 outside the image.
 * Each call copies into one float Mat, warps, copies back and releases every Mat it made.
 */
final class Warp {
    private Warp() {}

    /** Warps by the 2×3 forward matrix {@code m} (row-major): output(m·p) = input(p). */
    static Pixels affine(Pixels px, double[] m, Interpolation interpolation) {
        return warp(px, m, interpolation, false);
    }

    /** Warps by the 3×3 forward homography {@code m} (row-major). */
    static Pixels perspective(Pixels px, double[] m, Interpolation interpolation) {
        return warp(px, m, interpolation, true);
    }

    /** Resizes to {@code height}×{@code width} with OpenCV's {@code INTER_LINEAR} (half-pixel centres). */
    static Pixels resize(Pixels px, int height, int width) {
        OpenCv.load();
        Mat src = toMat(px);
        Mat dst = new Mat();
        try {
            Imgproc.resize(src, dst, new Size(width, height), 0, 0, Imgproc.INTER_LINEAR);
            float[] out = new float[height * width * px.channels];
            dst.get(0, 0, out);
            Pixels result = new Pixels(out, height, width, px.channels, px.layout, px.dtype);
            result.roundIfUint8();
            return result;
        } finally {
            src.release();
            dst.release();
        }
    }

    private static Pixels warp(Pixels px, double[] m, Interpolation interpolation, boolean perspective) {
        OpenCv.load();
        Mat src = toMat(px);
        Mat dst = new Mat();
        Mat matrix = new Mat(perspective ? 3 : 2, 3, CvType.CV_64FC1);
        try {
            matrix.put(0, 0, m);
            Size size = new Size(px.width, px.height);
            Scalar fill = new Scalar(0, 0, 0, 0);
            if (perspective) {
                Imgproc.warpPerspective(src, dst, matrix, size, interpolation.cvFlag, Core.BORDER_CONSTANT, fill);
            } else {
                Imgproc.warpAffine(src, dst, matrix, size, interpolation.cvFlag, Core.BORDER_CONSTANT, fill);
            }
            float[] out = new float[px.data.length];
            dst.get(0, 0, out);
            Pixels result = px.with(out);
            result.roundIfUint8();
            return result;
        } finally {
            src.release();
            dst.release();
            matrix.release();
        }
    }

    private static Mat toMat(Pixels px) {
        Mat mat = new Mat(px.height, px.width, CvType.CV_32FC(px.channels));
        mat.put(0, 0, px.data);
        return mat;
    }
}
