package labkit.quant;

import java.util.Arrays;

/**
 * Quantization parameters as PyTorch's {@code calculate_qparams()} returns them: one scale and zero point per
 * tensor (arrays of length 1, {@code axis == -1}) or per channel along {@code axis}, with the integer range
 * they map onto. Quantize with {@code q = clamp(round(x / scale) + zeroPoint, quantMin, quantMax)}.
 *
 * @param scale float32 scales (length 1 per tensor)
 * @param zeroPoint integer zero points, same length as {@code scale}
 * @param axis channel axis for per-channel parameters, -1 for per-tensor
 * @param qscheme the scheme that produced them
 * @param dtype the integer type
 * @param quantMin smallest integer used
 * @param quantMax largest integer used
 */
public record QParams(float[] scale, int[] zeroPoint, int axis, QScheme qscheme, QuantDType dtype,
                      int quantMin, int quantMax) {

    public QParams {
        if (scale == null || zeroPoint == null || scale.length == 0 || scale.length != zeroPoint.length) {
            throw new IllegalArgumentException("scale and zeroPoint must be non-empty arrays of equal length");
        }
        if (axis < -1) {
            throw new IllegalArgumentException("axis must be -1 (per tensor) or a channel axis >= 0, got " + axis);
        }
        if (axis < 0 && scale.length != 1) {
            throw new IllegalArgumentException("per-tensor qparams (axis -1) need exactly one scale, got "
                    + scale.length);
        }
        if (quantMin >= quantMax) {
            throw new IllegalArgumentException("quantMin " + quantMin + " must be < quantMax " + quantMax);
        }
        scale = scale.clone();
        zeroPoint = zeroPoint.clone();
    }

    /** Per-tensor parameters. */
    public static QParams perTensor(float scale, int zeroPoint, QScheme qscheme, QuantDType dtype,
                                    int quantMin, int quantMax) {
        return new QParams(new float[] {scale}, new int[] {zeroPoint}, -1, qscheme, dtype, quantMin, quantMax);
    }

    /** A copy of the scales (the record never shares its arrays). */
    @Override
    public float[] scale() {
        return scale.clone();
    }

    /** A copy of the zero points. */
    @Override
    public int[] zeroPoint() {
        return zeroPoint.clone();
    }

    /** True when there is one scale/zero point per channel along {@link #axis()}. */
    public boolean isPerChannel() {
        return axis >= 0;
    }

    /** Number of scale/zero-point pairs. */
    public int size() {
        return scale.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QParams q && Arrays.equals(scale, q.scale) && Arrays.equals(zeroPoint, q.zeroPoint)
                && axis == q.axis && qscheme == q.qscheme && dtype == q.dtype && quantMin == q.quantMin
                && quantMax == q.quantMax;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(scale) + Arrays.hashCode(zeroPoint) + axis;
    }

    @Override
    public String toString() {
        return "QParams[scale=" + Arrays.toString(scale) + ", zeroPoint=" + Arrays.toString(zeroPoint)
                + ", axis=" + axis + ", " + qscheme + ", " + dtype + " " + quantMin + ".." + quantMax + "]";
    }
}
