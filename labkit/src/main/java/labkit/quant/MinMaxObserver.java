package labkit.quant;

import ai.djl.ndarray.NDArray;

/**
 * Running minimum and maximum over every tensor observed (PyTorch {@code MinMaxObserver}); per-tensor affine or
 * symmetric. {@code MinMaxObserver.builder().dtype(QuantDType.QINT8).qscheme(QScheme.PER_TENSOR_SYMMETRIC).build()}.
 */
public class MinMaxObserver extends Observer {
    protected float min = Float.POSITIVE_INFINITY;
    protected float max = Float.NEGATIVE_INFINITY;

    protected MinMaxObserver(Builder<?> b) {
        super(b, false);
    }

    /** Defaults: quint8, per-tensor affine, no reduce range. */
    public static Builder<?> builder() {
        return new Builder<>();
    }

    @Override
    public void observe(NDArray x) {
        NDArray f = checkInput(x);
        float lo = f.min().getFloat();
        float hi = f.max().getFloat();
        requireFinite(lo, hi);
        update(lo, hi);
    }

    /** Folds one batch's min/max into the running range. */
    protected void update(float batchMin, float batchMax) {
        min = Math.min(batchMin, min);
        max = Math.max(batchMax, max);
    }

    @Override
    public QParams calculateQParams() {
        requireObserved();
        return qparamsFrom(new float[] {min}, new float[] {max}, -1);
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
        return getClass().getSimpleName() + "(min_val=" + min + ", max_val=" + max + ", " + dtype + ", " + qscheme
                + (reduceRange ? ", reduce_range" : "") + ")";
    }

    /** Builder of {@link MinMaxObserver}. */
    public static class Builder<B extends Builder<B>> extends Observer.Builder<B> {
        @Override
        public MinMaxObserver build() {
            return new MinMaxObserver(this);
        }
    }
}
