package labkit.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Base of labkit's observers, mirroring {@code torch.ao.quantization.observer.UniformQuantizationObserverBase}:
 * {@link #observe(NDArray)} records statistics of each tensor it sees (call it as often as you like) and
 * {@link #calculateQParams()} turns them into scale and zero point without changing any state.
 *
 * <p>Arithmetic follows PyTorch 1.13 exactly: float32, round half to even, {@code scale >= eps} (float32
 * machine epsilon), the observed range always widened to include 0. Two deliberate differences: an observer that
 * has seen no data throws {@link IllegalStateException} (PyTorch warns and returns scale 1, zero point 0, which
 * silently quantizes everything to garbage), an empty tensor throws {@link IllegalArgumentException}
 * (PyTorch skips it), and so does a tensor holding ±Infinity or NaN: PyTorch's min/max observers take such a value
 * into the range (scale {@code inf}, every fake-quantized output NaN) and its histogram observer fails inside
 * {@code torch.histc}; labkit refuses the tensor instead, naming the observer's layer ({@link #layer(String)}, set
 * by {@link Ptq} and {@link Qat}) so the overflow can be traced, and keeps the statistics seen before it.
 */
public abstract class Observer {
    /** {@code torch.finfo(torch.float32).eps}. */
    public static final float EPS = Math.ulp(1.0f);

    protected final QuantDType dtype;
    protected final QScheme qscheme;
    protected final boolean reduceRange;
    protected final int quantMin;
    protected final int quantMax;
    protected final boolean customRange;
    protected final float eps;
    private String layer;

    protected Observer(Builder<?> b, boolean perChannel) {
        this.dtype = b.dtype;
        this.qscheme = b.qscheme != null ? b.qscheme
                : (perChannel ? QScheme.PER_CHANNEL_AFFINE : QScheme.PER_TENSOR_AFFINE);
        this.reduceRange = b.reduceRange;
        this.eps = b.eps;
        if (qscheme.isPerChannel() != perChannel) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " takes a "
                    + (perChannel ? "per-channel" : "per-tensor") + " qscheme, got " + qscheme
                    + (perChannel ? "; use MinMaxObserver for per-tensor" : "; use PerChannelMinMaxObserver"));
        }
        if (reduceRange && qscheme.isSymmetric() && dtype == QuantDType.QUINT8) {
            throw new IllegalArgumentException("Cannot reduce range for symmetric quantization for quint8 "
                    + "(as PyTorch): use reduceRange(false) or dtype QINT8");
        }
        this.customRange = b.quantMin != null && b.quantMax != null;
        if ((b.quantMin == null) != (b.quantMax == null)) {
            throw new IllegalArgumentException("give both quantMin and quantMax, or neither");
        }
        if (customRange) {
            int lo = b.quantMin;
            int hi = b.quantMax;
            if (!(lo <= 0 && 0 <= hi)) {
                throw new IllegalArgumentException("custom quantization range [" + lo + ", " + hi
                        + "] must include 0");
            }
            if (lo >= hi) {
                throw new IllegalArgumentException("quantMin " + lo + " must be < quantMax " + hi);
            }
            if (lo < dtype.min() || hi > dtype.max()) {
                throw new IllegalArgumentException("custom range [" + lo + ", " + hi + "] does not fit " + dtype
                        + " (" + dtype.min() + ".." + dtype.max() + ")");
            }
            // PyTorch halves even a custom range when reduce_range is set (floor division)
            this.quantMin = reduceRange ? Math.floorDiv(lo, 2) : lo;
            this.quantMax = reduceRange ? Math.floorDiv(hi, 2) : hi;
        } else {
            this.quantMin = dtype.quantMin(reduceRange);
            this.quantMax = dtype.quantMax(reduceRange);
        }
    }

    /** Names the layer whose tensors this observer sees (for error messages); returns this observer. */
    public Observer layer(String name) {
        this.layer = name;
        return this;
    }

    /** The layer set by {@link #layer(String)}, or null. */
    public String layer() {
        return layer;
    }

    /** The observer's class and, when known, its layer: "MinMaxObserver at layer 'features.0'". */
    protected String describe() {
        return getClass().getSimpleName() + (layer == null ? "" : " at layer '" + layer + "'");
    }

    /**
     * Refuses a batch whose minimum or maximum is not finite (PyTorch's min/max propagate NaN, so this also
     * catches NaN anywhere in the batch).
     */
    protected void requireFinite(float batchMin, float batchMax) {
        if (!Float.isFinite(batchMin) || !Float.isFinite(batchMax)) {
            throw new IllegalArgumentException(describe() + ": input holds non-finite values (batch min " + batchMin
                    + ", max " + batchMax + "); an overflow or division by zero upstream? The batch was not recorded");
        }
    }

    /** {@link #requireFinite(float, float)} per channel. */
    protected void requireFinite(float[] batchMin, float[] batchMax) {
        for (int i = 0; i < batchMin.length; i++) {
            if (!Float.isFinite(batchMin[i]) || !Float.isFinite(batchMax[i])) {
                throw new IllegalArgumentException(describe() + ": input holds non-finite values in channel " + i
                        + " (min " + batchMin[i] + ", max " + batchMax[i] + "); an overflow or division by zero"
                        + " upstream? The batch was not recorded");
            }
        }
    }

    /** Records statistics of {@code x} (not changed, not kept). */
    public abstract void observe(NDArray x);

    /** Scale and zero point from what has been observed; pure (no state changes). */
    public abstract QParams calculateQParams();

    /** Whether {@link #observe} has been called with data. */
    public abstract boolean hasObserved();

    /** Observed minimum (one value per tensor, or one per channel); a copy. */
    public abstract float[] minVal();

    /** Observed maximum; a copy. */
    public abstract float[] maxVal();

    public QuantDType dtype() {
        return dtype;
    }

    public QScheme qscheme() {
        return qscheme;
    }

    public boolean reduceRange() {
        return reduceRange;
    }

    /** The integer range actually used (after reduceRange / custom range). */
    public int quantMin() {
        return quantMin;
    }

    /** The integer range actually used (after reduceRange / custom range). */
    public int quantMax() {
        return quantMax;
    }

    /** PyTorch's {@code _calculate_qparams(min_val, max_val)} in float32 for per-tensor or per-channel ranges. */
    protected QParams qparamsFrom(float[] min, float[] max, int axis) {
        int n = min.length;
        float[] scale = new float[n];
        int[] zp = new int[n];
        for (int i = 0; i < n; i++) {
            if (!(min[i] <= max[i])) {
                throw new IllegalStateException("observed min " + min[i] + " > max " + max[i]
                        + " (NaN in the data?) in " + describe());
            }
            float minNeg = Math.min(min[i], 0f);
            float maxPos = Math.max(max[i], 0f);
            if (qscheme.isSymmetric()) {
                float amax = Math.max(-minNeg, maxPos);
                float s = amax / (float) ((quantMax - quantMin) / 2.0);
                scale[i] = Math.max(s, eps);
                if (dtype == QuantDType.QUINT8) {
                    zp[i] = customRange ? Math.floorDiv(quantMin + quantMax, 2) : 128;
                }
            } else {
                float s = (maxPos - minNeg) / (float) (quantMax - quantMin);
                s = Math.max(s, eps);
                scale[i] = s;
                int z = quantMin - (int) Math.rint(minNeg / s);
                zp[i] = Math.max(quantMin, Math.min(quantMax, z));
            }
        }
        return new QParams(scale, zp, axis, qscheme, dtype, quantMin, quantMax);
    }

    protected void requireObserved() {
        if (!hasObserved()) {
            throw new IllegalStateException(describe() + " has not observed any data: call "
                    + "observe(x) (e.g. run calibration batches) before calculateQParams()");
        }
    }

    protected static NDArray checkInput(NDArray x) {
        if (x == null) {
            throw new IllegalArgumentException("observer input is null");
        }
        if (x.size() == 0) {
            throw new IllegalArgumentException("observer input is empty (shape " + x.getShape() + ")");
        }
        return x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
    }

    /** Options shared by all observers ({@code dtype}, {@code qscheme}, {@code reduceRange}, custom range). */
    @SuppressWarnings("unchecked")
    public abstract static class Builder<B extends Builder<B>> {
        private QuantDType dtype = QuantDType.QUINT8;
        private QScheme qscheme;
        private boolean reduceRange;
        private Integer quantMin;
        private Integer quantMax;
        private float eps = EPS;

        /** Integer type; default QUINT8 as in PyTorch. */
        public B dtype(QuantDType d) {
            this.dtype = java.util.Objects.requireNonNull(d, "dtype");
            return (B) this;
        }

        /** Scheme; default per-tensor (or per-channel) affine. */
        public B qscheme(QScheme q) {
            this.qscheme = java.util.Objects.requireNonNull(q, "qscheme");
            return (B) this;
        }

        /** Use one bit less (quint8 0..127, qint8 -64..63). */
        public B reduceRange(boolean r) {
            this.reduceRange = r;
            return (B) this;
        }

        /** Custom integer range (e.g. 0..15 for 4 bits); must include 0 and fit the dtype. */
        public B quantRange(int quantMin, int quantMax) {
            this.quantMin = quantMin;
            this.quantMax = quantMax;
            return (B) this;
        }

        /** Smallest allowed scale; default float32 machine epsilon. */
        public B eps(float e) {
            if (!(e > 0)) {
                throw new IllegalArgumentException("eps must be > 0, got " + e);
            }
            this.eps = e;
            return (B) this;
        }

        public abstract Observer build();
    }
}
