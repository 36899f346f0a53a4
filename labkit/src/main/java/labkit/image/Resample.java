package labkit.image;

/**
 * Bilinear resampling of planar float images (C×H×W, row-major) with PIL's antialiasing, i.e. what torchvision's
 * {@code Resize} does to PIL images and {@code F.interpolate(x, size, mode="bilinear", align_corners=False,
 * antialias=True)} does to tensors: when shrinking by a factor s the triangle filter is widened to s pixels, so a
 * 640×480 photo shrunk to 56×56 averages every source pixel instead of sampling a few (checked against torch).
 * Up-sampling is plain bilinear (half-pixel centres). Separable: rows, then columns.
 */
public final class Resample {
    private Resample() {}

    /** Resizes {@code channels} planes of {@code h}×{@code w} to {@code outH}×{@code outW}. */
    public static float[] bilinear(float[] src, int channels, int h, int w, int outH, int outW) {
        if (channels < 1 || h < 1 || w < 1 || outH < 1 || outW < 1) {
            throw new IllegalArgumentException("Resample.bilinear: sizes must be >= 1, got channels=" + channels
                    + " " + h + "×" + w + " → " + outH + "×" + outW);
        }
        if (src.length != (long) channels * h * w) {
            throw new IllegalArgumentException("Resample.bilinear: " + src.length + " values for " + channels + "×"
                    + h + "×" + w);
        }
        Weights wx = Weights.of(w, outW);
        Weights wy = Weights.of(h, outH);
        float[] out = new float[channels * outH * outW];
        double[] rowBuf = new double[h * outW];
        for (int c = 0; c < channels; c++) {
            int base = c * h * w;
            for (int y = 0; y < h; y++) {
                int row = base + y * w;
                for (int x = 0; x < outW; x++) {
                    double acc = 0;
                    int start = wx.start[x];
                    double[] k = wx.weights[x];
                    for (int j = 0; j < k.length; j++) {
                        acc += k[j] * src[row + start + j];
                    }
                    rowBuf[y * outW + x] = acc;
                }
            }
            int obase = c * outH * outW;
            for (int y = 0; y < outH; y++) {
                int start = wy.start[y];
                double[] k = wy.weights[y];
                for (int x = 0; x < outW; x++) {
                    double acc = 0;
                    for (int j = 0; j < k.length; j++) {
                        acc += k[j] * rowBuf[(start + j) * outW + x];
                    }
                    out[obase + y * outW + x] = (float) acc;
                }
            }
        }
        return out;
    }

    /** Per output index: first source index and normalised triangle-filter weights (torch's aa kernel). */
    static final class Weights {
        final int[] start;
        final double[][] weights;

        private Weights(int n) {
            start = new int[n];
            weights = new double[n][];
        }

        static Weights of(int in, int out) {
            Weights r = new Weights(out);
            double scale = (double) in / out;
            double support = scale >= 1.0 ? scale : 1.0;
            double invscale = scale >= 1.0 ? 1.0 / scale : 1.0;
            for (int i = 0; i < out; i++) {
                double center = scale * (i + 0.5);
                int xmin = Math.max((int) (center - support + 0.5), 0);
                int xsize = Math.min((int) (center + support + 0.5), in) - xmin;
                double[] k = new double[Math.max(xsize, 0)];
                double total = 0;
                for (int j = 0; j < k.length; j++) {
                    double t = Math.abs((j + xmin - center + 0.5) * invscale);
                    k[j] = t < 1.0 ? 1.0 - t : 0.0;
                    total += k[j];
                }
                for (int j = 0; j < k.length && total != 0; j++) {
                    k[j] /= total;
                }
                r.start[i] = xmin;
                r.weights[i] = k;
            }
            return r;
        }
    }
}
