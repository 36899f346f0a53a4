package labkit.quant;

import java.util.Locale;

/**
 * How a calibration picks the clipping range of a tensor before scale and zero point are derived from it
 * (PyTorch's formula, so the grid is torch's fake-quant grid):
 * <ul>
 * <li>{@link #minMax()}: the observed minimum and maximum (no clipping; optimises nothing, loses no outlier).</li>
 * <li>{@link #percentile(double)}: the {@code 100-p} and {@code p} percentiles (numpy's linear interpolation):
 * ignores the rarest {@code 100-p} % on each side.</li>
 * <li>{@link #mse()} / {@link #lp(double)}: the range {@code c·[min, max]} minimising the mean
 * {@code |x - Q(x)|^p} of the observed values (rounding plus clipping error; Banner et al.'s ACIQ target with
 * p = 2, and the initialisation of LAPQ, Nahshan et al. 2019).</li>
 * <li>{@link #kl()}: TensorRT's entropy calibration, the threshold minimising {@code KL(P || Q)} between the
 * histogram of {@code |x|} and its quantized version.</li>
 * </ul>
 * Activations get a {@link ClipObserver}; weights get a per-channel symmetric {@link PerChannelClipObserver} with
 * the Lp search for {@link #mse()}/{@link #lp(double)} and plain per-channel min/max otherwise (percentile and KL
 * need many values, which one output channel of a weight does not have).
 *
 * @param kind the method
 * @param parameter the percentile (0..100) or the Lp exponent; unused otherwise
 */
public record Calibration(Kind kind, double parameter) {

    /** The calibration methods. */
    public enum Kind { MIN_MAX, PERCENTILE, LP, KL }

    public Calibration {
        java.util.Objects.requireNonNull(kind, "kind");
        if (kind == Kind.PERCENTILE && !(parameter > 50 && parameter <= 100)) {
            throw new IllegalArgumentException("percentile must be in (50, 100], got " + parameter);
        }
        if (kind == Kind.LP && !(parameter > 0)) {
            throw new IllegalArgumentException("Lp exponent must be > 0, got " + parameter);
        }
    }

    /** Observed min/max. */
    public static Calibration minMax() {
        return new Calibration(Kind.MIN_MAX, 0);
    }

    /** Percentile clipping, e.g. {@code percentile(99.99)}. */
    public static Calibration percentile(double p) {
        return new Calibration(Kind.PERCENTILE, p);
    }

    /** MSE-optimal clipping (Lp with p = 2). */
    public static Calibration mse() {
        return new Calibration(Kind.LP, 2);
    }

    /** Lp-norm-optimal clipping (LAPQ uses p between 2 and 4 at low bit widths). */
    public static Calibration lp(double p) {
        return new Calibration(Kind.LP, p);
    }

    /** TensorRT-style KL-divergence (entropy) calibration. */
    public static Calibration kl() {
        return new Calibration(Kind.KL, 0);
    }

    /** A short label: "min-max", "percentile 99.99", "mse", "l3", "kl". */
    public String label() {
        switch (kind) {
            case MIN_MAX: return "min-max";
            case PERCENTILE: return String.format(Locale.ROOT, "percentile %s", trim(parameter));
            case LP: return parameter == 2 ? "mse" : "l" + trim(parameter);
            default: return "kl";
        }
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    /** {@code [lo, hi]} to quantize {@code values} (the observed sample, min and max) on the given grid. */
    float[] clip(float[] values, float min, float max, int quantMin, int quantMax, boolean symmetric) {
        switch (kind) {
            case MIN_MAX:
                return new float[] {min, max};
            case PERCENTILE: {
                float[] s = values.clone();
                java.util.Arrays.sort(s);
                return new float[] {Math.min(ClipSearch.percentileSorted(s, 100 - parameter), 0f),
                    Math.max(ClipSearch.percentileSorted(s, parameter), 0f)};
            }
            case LP:
                return ClipSearch.lpClip(values, quantMin, quantMax, symmetric, parameter);
            case KL:
            default: {
                boolean signed = min < 0;
                int levels = signed ? (quantMax - quantMin + 1) / 2 : quantMax - quantMin + 1;
                float t = ClipSearch.klThreshold(values, Math.max(2, levels));
                return new float[] {Math.max(min, signed ? -t : 0f), Math.min(max, t)};
            }
        }
    }

    /**
     * A QConfig at these bit widths: activations {@link ClipObserver} quint8 affine on {@code 0..2^a-1}, weights
     * per-channel symmetric qint8 on {@code -2^(w-1)..2^(w-1)-1} (Lp search for Lp methods, min/max otherwise).
     * Named e.g. {@code "mse w4a8"}.
     */
    public QConfig qconfig(int weightBits, int activationBits) {
        LowBit.checkBits(weightBits);
        LowBit.checkBits(activationBits);
        int aMin = LowBit.quantMin(QuantDType.QUINT8, activationBits);
        int aMax = LowBit.quantMax(QuantDType.QUINT8, activationBits);
        int wMin = LowBit.quantMin(QuantDType.QINT8, weightBits);
        int wMax = LowBit.quantMax(QuantDType.QINT8, weightBits);
        Calibration self = this;
        java.util.function.Supplier<Observer> act = kind == Kind.MIN_MAX
                ? () -> MinMaxObserver.builder().quantRange(aMin, aMax).build()
                : () -> ClipObserver.builder(self).quantRange(aMin, aMax).build();
        java.util.function.Supplier<Observer> weight = kind == Kind.LP
                ? () -> PerChannelClipObserver.builder(self).dtype(QuantDType.QINT8)
                        .qscheme(QScheme.PER_CHANNEL_SYMMETRIC).quantRange(wMin, wMax).build()
                : () -> PerChannelMinMaxObserver.builder().dtype(QuantDType.QINT8)
                        .qscheme(QScheme.PER_CHANNEL_SYMMETRIC).quantRange(wMin, wMax).build();
        return new QConfig(label() + " w" + weightBits + "a" + activationBits, act, weight);
    }
}
