package labkit.quant;

import ai.djl.ndarray.NDArray;

/**
 * A per-channel (axis 0, output channels of a weight) observer that picks each channel's clipping range with a
 * {@link Calibration} method over that channel's values, then PyTorch's per-channel scale/zero-point formula: with
 * {@link Calibration#mse()} it is the MSE-optimal per-channel weight clipping used at 4 bits. Keeps the values of
 * the last tensor observed (a weight is observed once in PTQ), so the search sees the weight as it will be rounded.
 */
public class PerChannelClipObserver extends Observer {
    private final Calibration calibration;
    private float[][] channels;
    private QParams cached;

    protected PerChannelClipObserver(Builder b) {
        super(b, true);
        this.calibration = b.calibration;
    }

    /** Defaults: quint8 per-channel affine (set qint8 / per-channel symmetric for weights). */
    public static Builder builder(Calibration calibration) {
        return new Builder(calibration);
    }

    @Override
    public void observe(NDArray x) {
        NDArray f = checkInput(x);
        if (f.getShape().dimension() < 2) {
            throw new IllegalArgumentException("PerChannelClipObserver needs a tensor with a channel axis 0 and at "
                    + "least 2 dimensions, got shape " + f.getShape());
        }
        int n = (int) f.getShape().get(0);
        float[] v = f.toFloatArray();
        int per = v.length / n;
        float[][] c = new float[n][per];
        for (int i = 0; i < n; i++) {
            System.arraycopy(v, i * per, c[i], 0, per);
            for (float t : c[i]) {
                if (!Float.isFinite(t)) {
                    throw new IllegalArgumentException("PerChannelClipObserver input contains " + t);
                }
            }
        }
        channels = c;
        cached = null;
    }

    @Override
    public QParams calculateQParams() {
        requireObserved();
        if (cached == null) {
            int n = channels.length;
            float[] lo = new float[n];
            float[] hi = new float[n];
            for (int i = 0; i < n; i++) {
                float mn = Float.POSITIVE_INFINITY;
                float mx = Float.NEGATIVE_INFINITY;
                for (float t : channels[i]) {
                    mn = Math.min(mn, t);
                    mx = Math.max(mx, t);
                }
                float[] r = calibration.clip(channels[i], mn, mx, quantMin, quantMax, qscheme.isSymmetric());
                lo[i] = r[0];
                hi[i] = r[1];
            }
            cached = qparamsFrom(lo, hi, 0);
        }
        return cached;
    }

    @Override
    public boolean hasObserved() {
        return channels != null;
    }

    @Override
    public float[] minVal() {
        requireObserved();
        float[] out = new float[channels.length];
        for (int i = 0; i < out.length; i++) {
            float m = Float.POSITIVE_INFINITY;
            for (float t : channels[i]) {
                m = Math.min(m, t);
            }
            out[i] = m;
        }
        return out;
    }

    @Override
    public float[] maxVal() {
        requireObserved();
        float[] out = new float[channels.length];
        for (int i = 0; i < out.length; i++) {
            float m = Float.NEGATIVE_INFINITY;
            for (float t : channels[i]) {
                m = Math.max(m, t);
            }
            out[i] = m;
        }
        return out;
    }

    @Override
    public String toString() {
        return "PerChannelClipObserver(" + calibration.label() + ", " + dtype + " " + quantMin + ".." + quantMax
                + ", " + qscheme + ")";
    }

    /** Builder of {@link PerChannelClipObserver}. */
    public static class Builder extends Observer.Builder<Builder> {
        private final Calibration calibration;

        Builder(Calibration calibration) {
            this.calibration = java.util.Objects.requireNonNull(calibration, "calibration");
        }

        @Override
        public PerChannelClipObserver build() {
            return new PerChannelClipObserver(this);
        }
    }
}
