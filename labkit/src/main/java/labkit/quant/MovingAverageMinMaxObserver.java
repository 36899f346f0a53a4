package labkit.quant;

/**
 * Exponential moving average of each batch's min and max (PyTorch {@code MovingAverageMinMaxObserver}, used
 * by QAT): the first batch sets the range, later ones move it by {@code c * (batch - current)} with
 * {@code averagingConstant c} (default 0.01), in float32.
 */
public class MovingAverageMinMaxObserver extends MinMaxObserver {
    private final float c;

    protected MovingAverageMinMaxObserver(Builder b) {
        super(b);
        this.c = b.averagingConstant;
    }

    /** Defaults: quint8, per-tensor affine, averaging constant 0.01. */
    public static Builder builder() {
        return new Builder();
    }

    public float averagingConstant() {
        return c;
    }

    @Override
    protected void update(float batchMin, float batchMax) {
        if (!hasObserved()) {
            min = batchMin;
            max = batchMax;
        } else {
            min = min + c * (batchMin - min);
            max = max + c * (batchMax - max);
        }
    }

    /** Builder of {@link MovingAverageMinMaxObserver}. */
    public static class Builder extends MinMaxObserver.Builder<Builder> {
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
        public MovingAverageMinMaxObserver build() {
            return new MovingAverageMinMaxObserver(this);
        }
    }
}
