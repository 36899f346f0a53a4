package labkit.quant;

import ai.djl.ndarray.NDArray;

/**
 * Running min and max per slice along {@code chAxis} (PyTorch {@code PerChannelMinMaxObserver}); for weights,
 * axis 0 = output channels. Per-channel affine or symmetric.
 */
public class PerChannelMinMaxObserver extends Observer {
    protected final int chAxis;
    protected float[] min;
    protected float[] max;
    private int resolvedAxis = -1;

    protected PerChannelMinMaxObserver(Builder<?> b) {
        super(b, true);
        this.chAxis = b.chAxis;
    }

    /** Defaults: quint8, per-channel affine, chAxis 0. */
    public static Builder<?> builder() {
        return new Builder<>();
    }

    public int chAxis() {
        return chAxis;
    }

    @Override
    public void observe(NDArray x) {
        NDArray f = checkInput(x);
        int dims = f.getShape().dimension();
        int axis = chAxis < 0 ? chAxis + dims : chAxis;
        if (dims < 2 || axis < 0 || axis >= dims) {
            throw new IllegalArgumentException(describe() + ": chAxis " + chAxis + " does not fit a tensor of shape "
                    + f.getShape() + " (per-channel observers need >= 2 dimensions and -dims <= chAxis < dims)");
        }
        if (resolvedAxis >= 0 && resolvedAxis != axis) {
            throw new IllegalArgumentException(describe() + ": tensor of shape " + f.getShape() + " puts chAxis " + chAxis
                    + " at " + axis + " but earlier tensors had it at " + resolvedAxis);
        }
        resolvedAxis = axis;
        int n = (int) f.getShape().get(axis);
        if (min != null && min.length != n) {
            throw new IllegalArgumentException(describe() + ": tensor has " + n + " channels along axis " + axis
                    + " but this observer has seen " + min.length);
        }
        try (NDArray y = f.swapAxes(0, axis).reshape(n, -1);
             NDArray lo = y.min(new int[] {1});
             NDArray hi = y.max(new int[] {1})) {
            float[] l = lo.toFloatArray();
            float[] h = hi.toFloatArray();
            requireFinite(l, h);
            update(l, h);
        }
    }

    /** Folds one batch's per-channel min/max into the running range. */
    protected void update(float[] lo, float[] hi) {
        if (min == null) {
            min = lo;
            max = hi;
            return;
        }
        for (int i = 0; i < min.length; i++) {
            min[i] = Math.min(lo[i], min[i]);
            max[i] = Math.max(hi[i], max[i]);
        }
    }

    @Override
    public QParams calculateQParams() {
        requireObserved();
        return qparamsFrom(min, max, resolvedAxis);
    }

    @Override
    public boolean hasObserved() {
        return min != null;
    }

    @Override
    public float[] minVal() {
        requireObserved();
        return min.clone();
    }

    @Override
    public float[] maxVal() {
        requireObserved();
        return max.clone();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(ch_axis=" + chAxis + ", " + dtype + ", " + qscheme
                + (reduceRange ? ", reduce_range" : "") + ")";
    }

    /** Builder of {@link PerChannelMinMaxObserver}. */
    @SuppressWarnings("unchecked")
    public static class Builder<B extends Builder<B>> extends Observer.Builder<B> {
        private int chAxis = 0;

        /** Channel axis (default 0: output channels of a weight). */
        public B chAxis(int axis) {
            this.chAxis = axis;
            return (B) this;
        }

        @Override
        public PerChannelMinMaxObserver build() {
            return new PerChannelMinMaxObserver(this);
        }
    }
}
