package labkit.quant;

import java.util.SplittableRandom;

/**
 * A per-tensor observer that clips: it keeps the exact running min/max and a seeded uniform sample of everything
 * observed (reservoir sampling, at most {@code sampleSize} values), and {@link #calculateQParams()} picks the range
 * with a {@link Calibration} method (percentile, Lp/MSE, KL) before PyTorch's scale/zero-point formula. With
 * {@link Calibration#minMax()} it computes what {@link MinMaxObserver} does. The search runs once per new data and
 * is cached. Non-finite inputs are refused.
 */
public class ClipObserver extends Observer {
    private final Calibration calibration;
    private final float[] sample;
    private final SplittableRandom random;
    private long seen;
    private float min = Float.POSITIVE_INFINITY;
    private float max = Float.NEGATIVE_INFINITY;
    private QParams cached;

    protected ClipObserver(Builder b) {
        super(b, false);
        this.calibration = b.calibration;
        this.sample = new float[b.sampleSize];
        this.random = new SplittableRandom(b.seed);
    }

    /** Defaults: quint8 per-tensor affine, sample of 2^16 values, seed 0. */
    public static Builder builder(Calibration calibration) {
        return new Builder(calibration);
    }

    /** The method that picks the clipping range. */
    public Calibration calibration() {
        return calibration;
    }

    @Override
    public void observe(ai.djl.ndarray.NDArray x) {
        observe(checkInput(x).toFloatArray());
    }

    /** As {@link #observe(ai.djl.ndarray.NDArray)} on plain values. */
    public void observe(float[] v) {
        if (v.length == 0) {
            throw new IllegalArgumentException("observer input is empty");
        }
        cached = null;
        for (float f : v) {
            if (!Float.isFinite(f)) {
                throw new IllegalArgumentException(getClass().getSimpleName() + " input contains " + f
                        + ": calibration data must be finite");
            }
            min = Math.min(min, f);
            max = Math.max(max, f);
            if (seen < sample.length) {
                sample[(int) seen] = f;
            } else {
                long j = random.nextLong(seen + 1);
                if (j < sample.length) {
                    sample[(int) j] = f;
                }
            }
            seen++;
        }
    }

    /** The clipping range {@code {lo, hi}} the calibration chose (before widening to include 0). */
    public float[] clipRange() {
        requireObserved();
        float[] s = java.util.Arrays.copyOf(sample, (int) Math.min(seen, sample.length));
        return calibration.clip(s, min, max, quantMin, quantMax, qscheme.isSymmetric());
    }

    @Override
    public QParams calculateQParams() {
        if (cached == null) {
            float[] r = clipRange();
            cached = qparamsFrom(new float[] {r[0]}, new float[] {r[1]}, -1);
        }
        return cached;
    }

    @Override
    public boolean hasObserved() {
        return seen > 0;
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
        return "ClipObserver(" + calibration.label() + ", min_val=" + min + ", max_val=" + max + ", " + dtype + " "
                + quantMin + ".." + quantMax + ", " + qscheme + ")";
    }

    /** Builder of {@link ClipObserver}. */
    public static class Builder extends Observer.Builder<Builder> {
        private final Calibration calibration;
        private int sampleSize = 1 << 16;
        private long seed;

        Builder(Calibration calibration) {
            this.calibration = java.util.Objects.requireNonNull(calibration, "calibration");
        }

        /** Most values kept for the search (a uniform sample of all observed). */
        public Builder sampleSize(int n) {
            if (n < 16) {
                throw new IllegalArgumentException("sampleSize must be >= 16, got " + n);
            }
            this.sampleSize = n;
            return this;
        }

        /** Seed of the reservoir sample. */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        @Override
        public ClipObserver build() {
            return new ClipObserver(this);
        }
    }
}
