package labkit.quant;

import ai.djl.ndarray.NDArray;

/**
 * Histogram of everything observed (2048 bins over the running range) and PyTorch's L2 search for the
 * sub-range that quantizes it with least error ({@code HistogramObserver._non_linear_param_search}); the
 * default activation observer of PyTorch's {@code fbgemm}/{@code qnnpack} PTQ configs.
 *
 * <p>Follows the Debian PyTorch 1.13 source step by step in float32, including its quirks: {@code torch.histc}
 * is called with the range bounds truncated to integers ({@code int(min_val)}), so values outside the
 * truncated range are not counted, and a batch seen after constant data restarts the histogram. Differences
 * from PyTorch can appear only in float sums whose order differs (near-ties of the search).
 */
public class HistogramObserver extends Observer {
    private final int bins;
    private final int upsampleRate;
    private float[] histogram;
    private float min = Float.POSITIVE_INFINITY;
    private float max = Float.NEGATIVE_INFINITY;
    /** Result of the (costly, pure) search for the current histogram; dropped by every observe(). */
    private float[] searched;

    protected HistogramObserver(Builder b) {
        super(b, false);
        this.bins = b.bins;
        this.upsampleRate = b.upsampleRate;
        this.histogram = new float[bins];
    }

    /** Defaults: 2048 bins, upsample rate 128, quint8, per-tensor affine. */
    public static Builder builder() {
        return new Builder();
    }

    public int bins() {
        return bins;
    }

    /** A copy of the current histogram. */
    public float[] histogram() {
        return histogram.clone();
    }

    @Override
    public void observe(NDArray x) {
        float[] v = checkInput(x).toFloatArray();
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (float f : v) {
            if (!Float.isFinite(f)) {
                requireFinite(f, f);
            }
            lo = Math.min(lo, f);
            hi = Math.max(hi, f);
        }
        searched = null;
        boolean uninitialized = !hasObserved();
        if (uninitialized || min == max) {
            min = lo;
            max = hi;
            histogram = histc(v, bins, (int) lo, (int) hi);
            return;
        }
        float cmin = Math.min(lo, min);
        float cmax = Math.max(hi, max);
        // _adjust_min_max
        float hbw = (max - min) / (float) ((long) bins * upsampleRate);
        long downsample = (long) Math.ceil((cmax - cmin) / (bins * hbw));
        float e = downsample * (bins * hbw) - (cmax - cmin);
        cmax = cmax + e;
        long startIdx = (long) Math.rint((min - cmin) / hbw);
        float[] combined = histc(v, bins, (int) cmin, (int) cmax);
        if (cmin == min && cmax == max) {
            for (int i = 0; i < bins; i++) {
                combined[i] += histogram[i];
            }
        } else {
            combineHistograms(combined, histogram, upsampleRate, downsample, startIdx, bins);
        }
        histogram = combined;
        min = cmin;
        max = cmax;
    }

    /** {@code torch.histc(x, bins, min, max)} on CPU (1.13): linear bins in float32, right edge inclusive. */
    static float[] histc(float[] x, int bins, double minArg, double maxArg) {
        double lo = minArg;
        double hi = maxArg;
        if (lo == hi && x.length > 0) {
            lo = Double.POSITIVE_INFINITY;
            hi = Double.NEGATIVE_INFINITY;
            for (float f : x) {
                lo = Math.min(lo, f);
                hi = Math.max(hi, f);
            }
        }
        if (lo == hi) {
            lo -= 1;
            hi += 1;
        }
        float left = (float) lo;
        float right = (float) hi;
        float[] h = new float[bins];
        for (float elt : x) {
            if (elt < left || elt > right) {
                continue;
            }
            long pos = (long) ((elt - left) * (float) bins / (right - left));
            if (pos == bins) {
                pos -= 1;
            }
            h[(int) pos] += 1f;
        }
        return h;
    }

    /**
     * PyTorch's {@code _combine_histograms}: adds the old histogram, resampled onto the new range, to {@code into}.
     * PyTorch upsamples the old histogram by {@code up} onto a grid of {@code nbins × down} fine bins (placed at
     * {@code startIdx}), takes the running sum in double and reads it every {@code down} fine bins; the running sum
     * at any fine bin is computed here directly from the old bins' prefix sums, so a range that grows ten-thousandfold
     * (billions of fine bins) costs no more than one that doubles, and no mass is lost.
     */
    static void combineHistograms(float[] into, float[] old, int up, long down, long startIdx, int nbins) {
        long total = (long) nbins * down;
        long end = Math.min(startIdx + (long) nbins * up, total);
        double[] prefix = new double[nbins + 1]; // upsampled mass before old bin k: up copies of each value
        for (int k = 0; k < nbins; k++) {
            prefix[k + 1] = prefix[k] + (double) old[k] * up;
        }
        double prev = 0; // previous integral value as stored in the float32 "shifted" tensor
        for (int out = 0; out < nbins; out++) {
            long fine = (long) (out + 1) * down; // fine bins summed so far
            double acc = 0;
            if (fine > startIdx) {
                long t = Math.min(fine, end) - startIdx;
                int q = (int) (t / up);
                long r = t % up;
                acc = prefix[q] + (q < nbins ? (double) old[q] * r : 0.0);
            }
            double interp = (acc - prev) / up;
            into[out] = into[out] + (float) interp;
            prev = (float) acc;
        }
    }

    @Override
    public QParams calculateQParams() {
        requireObserved();
        float[] range = nonLinearParamSearch();
        return qparamsFrom(new float[] {range[0]}, new float[] {range[1]}, -1);
    }

    /** The [min, max] the L2 search picks (PyTorch {@code _non_linear_param_search}); pure. */
    public float[] nonLinearParamSearch() {
        requireObserved();
        if (searched == null) {
            searched = search();
        }
        return searched.clone();
    }

    private float[] search() {
        float binWidth = (max - min) / (float) bins;
        double sum = 0;
        float[] cSum = new float[bins];
        for (int i = 0; i < bins; i++) {
            sum += histogram[i];
            cSum[i] = (float) sum;
        }
        double total = (float) sum;
        double stepsize = 1e-5;
        double alpha = 0.0;
        double beta = 1.0;
        int startBin = 0;
        int endBin = bins - 1;
        double normMin = Double.POSITIVE_INFINITY;
        while (alpha < beta) {
            double nextAlpha = alpha + stepsize;
            double nextBeta = beta - stepsize;
            float ta = (float) (nextAlpha * total);
            float tb = (float) (nextBeta * total);
            int l = startBin;
            int r = endBin;
            while (l < endBin && cSum[l] < ta) {
                l++;
            }
            while (r > startBin && cSum[r] > tb) {
                r--;
            }
            int nextStart = startBin;
            int nextEnd = endBin;
            if ((l - startBin) > (endBin - r)) {
                nextStart = l;
                alpha = nextAlpha;
            } else {
                nextEnd = r;
                beta = nextBeta;
            }
            if (nextStart == startBin && nextEnd == endBin) {
                continue;
            }
            double norm = quantizationError(nextStart, nextEnd);
            if (norm > normMin) {
                break;
            }
            normMin = norm;
            startBin = nextStart;
            endBin = nextEnd;
        }
        float newMin = min + binWidth * (float) startBin;
        float newMax = min + binWidth * (float) (endBin + 1);
        return new float[] {newMin, newMax};
    }

    /** PyTorch's {@code _compute_quantization_error}, elementwise in float32. */
    private double quantizationError(int nextStart, int nextEnd) {
        int dstNbins = 1 << dtype.bits();
        double bw = ((double) max - (double) min) / bins;
        double dbw = bw * (nextEnd - nextStart + 1) / dstNbins;
        if (dbw == 0.0) {
            return 0.0;
        }
        float bwF = (float) bw;
        float dbwF = (float) dbw;
        float halfF = (float) (dbw / 2);
        float negHalfF = (float) (-dbw / 2);
        float innerNorm = (halfF * halfF * halfF - negHalfF * negHalfF * negHalfF) / 3f;
        double sum = 0;
        for (int i = 0; i < bins; i++) {
            float begin = (float) (i - nextStart) * bwF;
            float end = begin + bwF;
            float dob = clamp(floorDiv(begin, dbwF), 0f, dstNbins - 1);
            float dobCenter = (dob + 0.5f) * dbwF;
            float doe = clamp(floorDiv(end, dbwF), 0f, dstNbins - 1);
            float density = histogram[i] / bwF;
            float norm = 0f;
            float db = begin - dobCenter;
            norm += density * ((halfF * halfF * halfF - db * db * db) / 3f);
            norm += (doe - dob - 1f) * (density * innerNorm);
            float doeCenter = doe * dbwF + halfF;
            float de = end - doeCenter;
            norm += density * ((de * de * de - negHalfF * negHalfF * negHalfF) / 3f);
            sum += norm;
        }
        return (float) sum;
    }

    private static float clamp(float v, float lo, float hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    /** ATen's {@code div_floor_floating} (Python-style floor division) in float32. */
    static float floorDiv(float a, float b) {
        if (b == 0f) {
            return a / b;
        }
        float mod = a % b;
        float div = (a - mod) / b;
        if (mod != 0f && (b < 0f) != (mod < 0f)) {
            div -= 1f;
        }
        float fl;
        if (div != 0f) {
            fl = (float) Math.floor(div);
            if (div - fl > 0.5f) {
                fl += 1f;
            }
        } else {
            fl = Math.copySign(0f, a / b);
        }
        return fl;
    }

    @Override
    public boolean hasObserved() {
        return !(min == Float.POSITIVE_INFINITY && max == Float.NEGATIVE_INFINITY);
    }

    @Override
    public float[] minVal() {
        return new float[] {min};
    }

    @Override
    public float[] maxVal() {
        return new float[] {max};
    }

    @Override
    public String toString() {
        return "HistogramObserver(bins=" + bins + ", min_val=" + min + ", max_val=" + max + ", " + dtype + ", "
                + qscheme + (reduceRange ? ", reduce_range" : "") + ")";
    }

    /** Builder of {@link HistogramObserver}. */
    public static class Builder extends Observer.Builder<Builder> {
        private int bins = 2048;
        private int upsampleRate = 128;

        /** Number of histogram bins (default 2048). */
        public Builder bins(int b) {
            if (b < 1) {
                throw new IllegalArgumentException("bins must be >= 1, got " + b);
            }
            this.bins = b;
            return this;
        }

        /** Upsampling used when merging histograms of different ranges (default 128). */
        public Builder upsampleRate(int u) {
            if (u < 1) {
                throw new IllegalArgumentException("upsampleRate must be >= 1, got " + u);
            }
            this.upsampleRate = u;
            return this;
        }

        @Override
        public HistogramObserver build() {
            return new HistogramObserver(this);
        }
    }
}
