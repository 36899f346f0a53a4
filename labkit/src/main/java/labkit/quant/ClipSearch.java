package labkit.quant;

import java.util.Arrays;

/**
 * The clipping-range searches behind {@link ClipObserver}, on plain float arrays so that they can be checked on
 * known distributions. Each returns a range {@code [lo, hi]} that is then turned into scale and zero point by
 * PyTorch's formula ({@link Observer}), so the quantization grid is exactly torch's fake-quant grid for
 * {@code quantMin..quantMax}.
 */
public final class ClipSearch {
    private ClipSearch() {}

    /**
     * The {@code p}-th percentile (0..100) of {@code values} with linear interpolation between order statistics,
     * as {@code numpy.percentile(values, p)} (its default "linear" method). {@code values} is not changed.
     */
    public static float percentile(float[] values, double p) {
        float[] s = values.clone();
        Arrays.sort(s);
        return percentileSorted(s, p);
    }

    static float percentileSorted(float[] s, double p) {
        if (s.length == 0) {
            throw new IllegalArgumentException("percentile of no values");
        }
        if (!(p >= 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in [0, 100], got " + p);
        }
        double pos = p / 100.0 * (s.length - 1);
        int i = (int) Math.floor(pos);
        if (i >= s.length - 1) {
            return s[s.length - 1];
        }
        double f = pos - i;
        return (float) (s[i] + f * ((double) s[i + 1] - s[i]));
    }

    /**
     * Mean {@code |x - fakeQuant(x)|^p} of {@code values} quantized with the qparams PyTorch derives from the
     * range {@code [lo, hi]} (affine) or {@code [-max(|lo|,|hi|), max(|lo|,|hi|)]} (symmetric) on
     * {@code quantMin..quantMax}; values outside the range are clipped (the clipping error counts).
     */
    public static double lpError(float[] values, float lo, float hi, int quantMin, int quantMax, boolean symmetric,
                                 double p) {
        float[] sz = qparams(lo, hi, quantMin, quantMax, symmetric);
        float scale = sz[0];
        float inv = 1.0f / scale;
        float zp = sz[1];
        double sum = 0;
        boolean two = p == 2.0;
        for (float x : values) {
            float q = Math.max(quantMin, Math.min(quantMax, (float) Math.rint(x * inv) + zp));
            double d = Math.abs(x - (q - zp) * scale);
            sum += two ? d * d : Math.pow(d, p);
        }
        return sum / values.length;
    }

    /** {@code {scale, zeroPoint}} by PyTorch's {@code _calculate_qparams} in float32 (see {@link Observer}). */
    static float[] qparams(float lo, float hi, int quantMin, int quantMax, boolean symmetric) {
        float minNeg = Math.min(lo, 0f);
        float maxPos = Math.max(hi, 0f);
        if (symmetric) {
            float amax = Math.max(-minNeg, maxPos);
            float s = Math.max(amax / (float) ((quantMax - quantMin) / 2.0), Observer.EPS);
            float zp = quantMin < 0 ? 0 : Math.floorDiv(quantMin + quantMax, 2);
            return new float[] {s, zp};
        }
        float s = Math.max((maxPos - minNeg) / (float) (quantMax - quantMin), Observer.EPS);
        int z = quantMin - (int) Math.rint(minNeg / s);
        return new float[] {s, Math.max(quantMin, Math.min(quantMax, z))};
    }

    /**
     * The range {@code [c·min, c·max]} ({@code 0 < c <= 1}) that minimises {@link #lpError} with exponent
     * {@code p} (2 = MSE): Banner et al.'s / LAPQ's Lp clipping. A grid of 100 factors, then a golden-section
     * refinement around the best. Returns {@code {lo, hi}}.
     */
    public static float[] lpClip(float[] values, int quantMin, int quantMax, boolean symmetric, double p) {
        if (!(p > 0)) {
            throw new IllegalArgumentException("Lp exponent must be > 0, got " + p);
        }
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (float v : values) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        lo = Math.min(lo, 0f);
        hi = Math.max(hi, 0f);
        if (lo == hi) {
            return new float[] {lo, hi};
        }
        final float l0 = lo;
        final float h0 = hi;
        java.util.function.DoubleUnaryOperator f = c -> lpError(values, (float) (c * l0), (float) (c * h0),
                quantMin, quantMax, symmetric, p);
        int n = 100;
        double best = 1;
        double bestErr = Double.POSITIVE_INFINITY;
        for (int k = 1; k <= n; k++) {
            double c = (double) k / n;
            double e = f.applyAsDouble(c);
            if (e < bestErr) {
                bestErr = e;
                best = c;
            }
        }
        double a = Math.max(1e-4, best - 1.0 / n);
        double b = Math.min(1.0, best + 1.0 / n);
        double g = (Math.sqrt(5) - 1) / 2;
        double x1 = b - g * (b - a);
        double x2 = a + g * (b - a);
        double f1 = f.applyAsDouble(x1);
        double f2 = f.applyAsDouble(x2);
        for (int it = 0; it < 25; it++) {
            if (f1 <= f2) {
                b = x2;
                x2 = x1;
                f2 = f1;
                x1 = b - g * (b - a);
                f1 = f.applyAsDouble(x1);
            } else {
                a = x1;
                x1 = x2;
                f1 = f2;
                x2 = a + g * (b - a);
                f2 = f.applyAsDouble(x2);
            }
        }
        double c = (a + b) / 2;
        if (f.applyAsDouble(c) > bestErr) {
            c = best;
        }
        return new float[] {(float) (c * lo), (float) (c * hi)};
    }

    /**
     * TensorRT's entropy calibration: a 2048-bin histogram of {@code |x|} over {@code [0, max|x|]}; for every
     * candidate threshold bin {@code i >= levels}, the reference distribution P is the first {@code i} bins with
     * the mass beyond folded into bin {@code i-1}, Q is those {@code i} bins merged into {@code levels} equal groups
     * and spread back over P's non-empty bins; the threshold {@code (i + 0.5) · binWidth} (at most {@code max|x|}) with the smallest {@code KL(P || Q)}
     * is returned. {@code levels} is the number of quantization levels on one side of zero (128 for int8).
     */
    public static float klThreshold(float[] values, int levels) {
        int bins = 2048;
        if (levels < 2 || levels > bins) {
            throw new IllegalArgumentException("levels must be 2.." + bins + ", got " + levels);
        }
        float amax = 0;
        for (float v : values) {
            amax = Math.max(amax, Math.abs(v));
        }
        if (amax == 0) {
            return 0;
        }
        double width = amax / (double) bins;
        double[] hist = new double[bins];
        for (float v : values) {
            int k = (int) (Math.abs(v) / width);
            hist[Math.min(k, bins - 1)]++;
        }
        double bestKl = Double.POSITIVE_INFINITY;
        int bestI = bins;
        double[] p = new double[bins];
        double[] q = new double[bins];
        for (int i = levels; i <= bins; i++) {
            System.arraycopy(hist, 0, p, 0, i);
            double outliers = 0;
            for (int k = i; k < bins; k++) {
                outliers += hist[k];
            }
            p[i - 1] += outliers;
            // Q: hist[0..i) (without the folded tail, as MXNet's/TensorRT's reference) merged into `levels`
            // groups, each group's mass spread evenly over the bins where P is non-zero
            java.util.Arrays.fill(q, 0, i, 0);
            for (int g = 0; g < levels; g++) {
                int start = (int) ((long) g * i / levels);
                int end = (int) ((long) (g + 1) * i / levels);
                double sum = 0;
                int nonEmpty = 0;
                for (int k = start; k < end; k++) {
                    sum += hist[k];
                    if (p[k] > 0) {
                        nonEmpty++;
                    }
                }
                for (int k = start; k < end; k++) {
                    q[k] = p[k] > 0 && nonEmpty > 0 ? sum / nonEmpty : 0;
                }
            }
            double kl = kl(p, q, i);
            if (kl < bestKl) {
                bestKl = kl;
                bestI = i;
            }
        }
        return (float) Math.min((bestI + 0.5) * width, amax);
    }

    /** KL(P || Q) of two unnormalized histograms over their first n bins (Q smoothed where P is non-zero). */
    private static double kl(double[] p, double[] q, int n) {
        double sp = 0;
        double sq = 0;
        for (int k = 0; k < n; k++) {
            sp += p[k];
            sq += q[k];
        }
        if (sp == 0 || sq == 0) {
            return Double.POSITIVE_INFINITY;
        }
        double d = 0;
        for (int k = 0; k < n; k++) {
            if (p[k] > 0) {
                double pk = p[k] / sp;
                double qk = q[k] > 0 ? q[k] / sq : 1e-12;
                d += pk * Math.log(pk / qk);
            }
        }
        return d;
    }
}
