package labkit.weights;

/**
 * Pillow's {@code Image.resize} for 8-bit RGB with the BILINEAR or BICUBIC filter, integer for integer: what
 * torchvision's {@code Resize} does to a PIL image, so the pretrained weights see the pixels they were evaluated
 * with. OpenCV has no equivalent (INTER_AREA is a box filter, INTER_CUBIC uses a = -0.75 where Pillow uses -0.5;
 * on photos they differ from Pillow by many grey levels).
 *
 * <p>The algorithm (Pillow's Resample.c, unchanged since 2017): separable, horizontal pass first, then vertical.
 * For each output index the filter (triangle of support 1, or Keys cubic with a = -0.5 and support 2) is centred
 * at {@code (i + 0.5) * scale} and, when shrinking, widened by {@code scale} (antialiasing); the weights are
 * normalized in double, rounded to fixed point with 22 fraction bits, accumulated in integers from a half, and
 * each pass clips to 0..255, so the intermediate image is 8-bit too.
 */
final class PilResize {
    private static final int PRECISION_BITS = 32 - 8 - 2;

    private PilResize() {}

    /**
     * Resizes packed RGB ({@code h}×{@code w}×3 bytes, row-major) to {@code outH}×{@code outW}, as
     * {@code PIL.Image.resize((outW, outH), BILINEAR or BICUBIC)}.
     */
    static byte[] resize(byte[] rgb, int h, int w, int outH, int outW, boolean bicubic) {
        if (rgb.length != h * w * 3 || outH < 1 || outW < 1) {
            throw new IllegalArgumentException("PilResize: " + rgb.length + " bytes for " + h + "×" + w
                    + "×3, output " + outH + "×" + outW);
        }
        Coeffs cx = new Coeffs(w, outW, bicubic);
        Coeffs cy = new Coeffs(h, outH, bicubic);
        if (outH == h && outW == w) {
            return rgb.clone();
        }
        byte[] img = rgb;
        int first = 0;
        if (outW != w) {
            // only the rows the vertical pass reads
            first = cy.start[0];
            int rows = cy.start[outH - 1] + cy.size[outH - 1] - first;
            byte[] tmp = new byte[rows * outW * 3];
            for (int y = 0; y < rows; y++) {
                int in = (y + first) * w * 3;
                int out = y * outW * 3;
                for (int x = 0; x < outW; x++) {
                    int s0 = 1 << (PRECISION_BITS - 1);
                    int s1 = s0;
                    int s2 = s0;
                    int[] k = cx.k[x];
                    int p = in + cx.start[x] * 3;
                    for (int j = 0; j < k.length; j++, p += 3) {
                        s0 += (img[p] & 0xff) * k[j];
                        s1 += (img[p + 1] & 0xff) * k[j];
                        s2 += (img[p + 2] & 0xff) * k[j];
                    }
                    tmp[out + 3 * x] = clip8(s0);
                    tmp[out + 3 * x + 1] = clip8(s1);
                    tmp[out + 3 * x + 2] = clip8(s2);
                }
            }
            img = tmp;
        }
        if (outH == h) {
            return img;
        }
        int stride = outW * 3;
        byte[] out = new byte[outH * stride];
        int[] acc = new int[stride];
        for (int y = 0; y < outH; y++) {
            int[] k = cy.k[y];
            int start = cy.start[y] - first;
            java.util.Arrays.fill(acc, 1 << (PRECISION_BITS - 1));
            // row by row (integer sums, so the order does not change the result)
            for (int j = 0; j < k.length; j++) {
                int row = (start + j) * stride;
                int kj = k[j];
                for (int i = 0; i < stride; i++) {
                    acc[i] += (img[row + i] & 0xff) * kj;
                }
            }
            for (int i = 0; i < stride; i++) {
                out[y * stride + i] = clip8(acc[i]);
            }
        }
        return out;
    }

    private static byte clip8(int v) {
        if (v >= (1 << PRECISION_BITS << 8)) {
            return (byte) 255;
        }
        if (v <= 0) {
            return 0;
        }
        return (byte) (v >> PRECISION_BITS);
    }

    private static double bilinear(double x) {
        x = Math.abs(x);
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    private static double bicubic(double x) {
        final double a = -0.5;
        x = Math.abs(x);
        if (x < 1.0) {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
    }

    /** Per output index: first input index, number of taps and fixed-point weights (Pillow's precompute_coeffs). */
    private static final class Coeffs {
        final int[] start;
        final int[] size;
        final int[][] k;

        Coeffs(int inSize, int outSize, boolean bicubic) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = (bicubic ? 2.0 : 1.0) * filterScale;
            double ss = 1.0 / filterScale;
            start = new int[outSize];
            size = new int[outSize];
            k = new int[outSize][];
            for (int i = 0; i < outSize; i++) {
                double center = (i + 0.5) * scale;
                int min = Math.max((int) (center - support + 0.5), 0);
                int max = Math.min((int) (center + support + 0.5), inSize) - min;
                double[] w = new double[max];
                double sum = 0.0;
                for (int x = 0; x < max; x++) {
                    double arg = (x + min - center + 0.5) * ss;
                    w[x] = bicubic ? bicubic(arg) : bilinear(arg);
                    sum += w[x];
                }
                int[] fixed = new int[max];
                for (int x = 0; x < max; x++) {
                    double v = sum != 0.0 ? w[x] / sum : w[x];
                    fixed[x] = (int) (v < 0 ? -0.5 + v * (1 << PRECISION_BITS) : 0.5 + v * (1 << PRECISION_BITS));
                }
                start[i] = min;
                size[i] = max;
                k[i] = fixed;
            }
        }
    }
}
