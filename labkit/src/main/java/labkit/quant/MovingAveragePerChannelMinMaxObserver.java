package labkit.quant;

/**
 * Per-channel moving average of min and max (PyTorch {@code MovingAveragePerChannelMinMaxObserver}, the QAT
 * weight observer): first batch sets the ranges, later ones move them by {@code averagingConstant}.
 */
public class MovingAveragePerChannelMinMaxObserver extends PerChannelMinMaxObserver {
    private final float c;

    protected MovingAveragePerChannelMinMaxObserver(Builder b) {
        super(b);
        this.c = b.averagingConstant;
    }

    /** Defaults: quint8, per-channel affine, chAxis 0, averaging constant 0.01. */
    public static Builder builder() {
        return new Builder();
    }

    public float averagingConstant() {
        return c;
    }

    @Override
    protected void update(float[] lo, float[] hi) {
        if (min == null) {
            min = lo;
            max = hi;
            return;
        }
        for (int i = 0; i < min.length; i++) {
            min[i] = min[i] + c * (lo[i] - min[i]);
            max[i] = max[i] + c * (hi[i] - max[i]);
        }
    }

    /** Builder of {@link MovingAveragePerChannelMinMaxObserver}. */
    public static class Builder extends PerChannelMinMaxObserver.Builder<Builder> {
        private float averagingConstant = 0.01f;

        /** Weight of each new batch, in (0, 1]; default 0.01. */
        public Builder averagingConstant(double c) {
            if (!(c > 0 && c <= 1)) {
                throw new IllegalArgumentException("averagingConstant must be in (0, 1], got " + c);
            }
            this.averagingConstant = (float) c;
            return this;
        }

        @Override
        public MovingAveragePerChannelMinMaxObserver build() {
            return new MovingAveragePerChannelMinMaxObserver(this);
        }
    }
}
