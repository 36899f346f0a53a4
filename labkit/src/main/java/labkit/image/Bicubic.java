package labkit.image;

import ai.djl.ndarray.NDArray;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * Bicubic resampling of H×W×C or H×W images by an integer factor (OpenCV {@code INTER_CUBIC}, a = −0.75): the
 * down-sampling step of super-resolution degradation and the bicubic baseline that SR networks add their residual to.
 */
public final class Bicubic {
    private Bicubic() {}

    /** Bicubic down-sampling by an integer factor; uint8 or float32 (kept). */
    public static NDArray downsample(NDArray img, int scale) {
        return resize(img, img.getShape().get(0) / scale, img.getShape().get(1) / scale);
    }

    /**
     * Bicubic up-sampling by an integer factor (pixel centres aligned as PyTorch's
     * {@code F.interpolate(mode="bicubic", align_corners=False)}): the baseline SR is compared with. uint8 or
     * float32 (kept; float results are not clipped).
     */
    public static NDArray upsample(NDArray img, int scale) {
        return resize(img, img.getShape().get(0) * scale, img.getShape().get(1) * scale);
    }

    private static NDArray resize(NDArray img, long h, long w) {
        Mat m = Mats.imageToMat(img);
        Mat out = new Mat();
        try {
            Imgproc.resize(m, out, new Size(w, h), 0, 0, Imgproc.INTER_CUBIC);
            return Mats.toImageLike(out, img);
        } finally {
            m.release();
            out.release();
        }
    }
}
