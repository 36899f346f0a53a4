package labkit.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.util.Random;
import labkit.image.Bicubic;
import labkit.image.Mats;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.MatOfInt;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

/**
 * Simulated real-camera degradation of a high-resolution image into its low-resolution partner, for
 * super-resolution pairs: Gaussian blur (σ), bicubic down-sampling by {@code scale} (OpenCV INTER_CUBIC), Gaussian
 * noise (σ in 0–255 levels) and JPEG compression (quality), in that order (the order of Real-ESRGAN's first-order
 * model). Each parameter is drawn uniformly from its range with a caller's {@link Random}, so the same seed gives
 * the same LR image. Images are H×W×3 uint8 RGB arrays; every step is also a static method to show it alone.
 *
 * <pre>{@code
 * Degradation d = Degradation.builder().blurSigma(0.5, 1.5).noiseSigma(0, 5).jpegQuality(40, 90).scale(3).build();
 * NDArray lr = d.apply(hr, new Random(1));
 * }</pre>
 */
public final class Degradation {

    /** One draw of the parameters (σ = 0 or quality ≥ 101 means "skip that step"). */
    public record Params(double blurSigma, double noiseSigma, int jpegQuality, int scale) {}

    private final double[] blur;
    private final double[] noise;
    private final int[] quality;
    private final int scale;

    private Degradation(Builder b) {
        this.blur = b.blur;
        this.noise = b.noise;
        this.quality = b.quality;
        this.scale = b.scale;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Only bicubic down-sampling by {@code scale} (the classic "bicubic" SR setting). */
    public static Degradation bicubicOnly(int scale) {
        return builder().blurSigma(0, 0).noiseSigma(0, 0).jpegQuality(101, 101).scale(scale).build();
    }

    public int scale() {
        return scale;
    }

    /** Draws one set of parameters. */
    public Params sample(Random rng) {
        return new Params(uniform(rng, blur[0], blur[1]), uniform(rng, noise[0], noise[1]),
                quality[0] + (quality[1] > quality[0] ? rng.nextInt(quality[1] - quality[0] + 1) : 0), scale);
    }

    private static double uniform(Random rng, double lo, double hi) {
        return hi > lo ? lo + (hi - lo) * rng.nextDouble() : lo;
    }

    /** Degrades {@code hr} (H×W×3 uint8, H and W multiples of the scale) with parameters drawn from {@code rng}. */
    public NDArray apply(NDArray hr, Random rng) {
        return apply(hr, sample(rng), rng);
    }

    /** Degrades {@code hr} with the given parameters; {@code rng} drives the noise. */
    public static NDArray apply(NDArray hr, Params p, Random rng) {
        Shape s = hr.getShape();
        if (s.dimension() != 3 || s.get(0) % p.scale() != 0 || s.get(1) % p.scale() != 0) {
            throw new IllegalArgumentException("Degradation needs an H×W×C image with H and W multiples of the scale "
                    + p.scale() + ", got " + s + "; crop the HR image first");
        }
        NDArray x = gaussianBlur(hr, p.blurSigma());
        x = Bicubic.downsample(x, p.scale());
        x = gaussianNoise(x, p.noiseSigma(), rng);
        return jpeg(x, p.jpegQuality());
    }

    /**
     * Gaussian blur with standard deviation {@code sigma} pixels (OpenCV, kernel size from σ); σ ≤ 0: unchanged.
     * H×W×C or H×W, uint8 or float32 (kept).
     */
    public static NDArray gaussianBlur(NDArray img, double sigma) {
        if (sigma <= 0) {
            return img;
        }
        Mat m = Mats.imageToMat(img);
        Mat out = new Mat();
        try {
            Imgproc.GaussianBlur(m, out, new Size(0, 0), sigma);
            return Mats.toImageLike(out, img);
        } finally {
            m.release();
            out.release();
        }
    }

    /** Adds i.i.d. N(0, σ²) noise (σ in 0–255 levels), rounds and clips to uint8; σ ≤ 0: unchanged. */
    public static NDArray gaussianNoise(NDArray img, double sigma, Random rng) {
        if (sigma <= 0) {
            return img;
        }
        byte[] b = img.toType(DataType.UINT8, false).toByteArray();
        for (int i = 0; i < b.length; i++) {
            long v = Math.round((b[i] & 0xff) + sigma * rng.nextGaussian());
            b[i] = (byte) Math.max(0, Math.min(255, v));
        }
        return img.getManager().create(ByteBuffer.wrap(b), img.getShape(), DataType.UINT8);
    }

    /**
     * JPEG encode/decode round trip at {@code quality} (1–100, OpenCV/libjpeg); quality > 100: unchanged. Returns
     * uint8 (other inputs are rounded and clipped to 0–255 first).
     */
    public static NDArray jpeg(NDArray rgb, int quality) {
        if (quality > 100) {
            return rgb;
        }
        if (quality < 1) {
            throw new IllegalArgumentException("JPEG quality must be in 1..100 (or >100 to skip), got " + quality);
        }
        NDArray u8 = rgb.getDataType() == DataType.UINT8 ? rgb : rgb.clip(0, 255).round().toType(DataType.UINT8, false);
        Mat m = Mats.imageToMat(u8); // BGR, the order libjpeg's colour transform expects from OpenCV
        boolean color = m.channels() == 3;
        MatOfByte buf = new MatOfByte();
        Mat dec = null;
        try {
            Imgcodecs.imencode(".jpg", m, buf, new MatOfInt(Imgcodecs.IMWRITE_JPEG_QUALITY, quality));
            dec = Imgcodecs.imdecode(buf, color ? Imgcodecs.IMREAD_COLOR : Imgcodecs.IMREAD_GRAYSCALE);
            return Mats.toImageLike(dec, rgb);
        } finally {
            m.release();
            buf.release();
            if (dec != null) {
                dec.release();
            }
        }
    }

    @Override
    public String toString() {
        return String.format("Degradation(blur σ %.2f–%.2f, ↓%d bicubic, noise σ %.1f–%.1f, JPEG q %d–%d)",
                blur[0], blur[1], scale, noise[0], noise[1], quality[0], quality[1]);
    }

    /** Builder; defaults: blur σ 0.2–1.2, noise σ 0–5, JPEG quality 60–95, scale 3. */
    public static final class Builder {
        private double[] blur = {0.2, 1.2};
        private double[] noise = {0, 5};
        private int[] quality = {60, 95};
        private int scale = 3;

        public Builder blurSigma(double lo, double hi) { blur = range("blurSigma", lo, hi); return this; }
        public Builder noiseSigma(double lo, double hi) { noise = range("noiseSigma", lo, hi); return this; }

        /** JPEG quality range in 1..100; 101 (or more) switches JPEG off. */
        public Builder jpegQuality(int lo, int hi) {
            if (lo < 1 || hi < lo) {
                throw new IllegalArgumentException("jpegQuality: need 1 <= lo <= hi, got " + lo + ".." + hi);
            }
            quality = new int[] {lo, hi};
            return this;
        }

        public Builder scale(int s) {
            if (s < 1) {
                throw new IllegalArgumentException("scale must be >= 1, got " + s);
            }
            scale = s;
            return this;
        }

        private static double[] range(String name, double lo, double hi) {
            if (lo < 0 || hi < lo) {
                throw new IllegalArgumentException(name + ": need 0 <= lo <= hi, got " + lo + ".." + hi);
            }
            return new double[] {lo, hi};
        }

        public Degradation build() {
            return new Degradation(this);
        }
    }

}
