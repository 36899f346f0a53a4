package labkit.export;

import java.util.Arrays;

/**
 * Scales and zero points of one QuantizeLinear/DequantizeLinear point in a static QDQ int8 ONNX model, as
 * labkit's observers computed them: per tensor ({@code axis == -1}, one scale) or per channel along {@code axis};
 * {@code signed} picks int8 (weights) or uint8 (activations); values are clamped to [quantMin, quantMax] when the
 * exporter quantizes weights ({@code q = clamp(rint(w / scale) + zeroPoint, quantMin, quantMax)}).
 */
public record QdqParams(float[] scale, int[] zeroPoint, int axis, boolean signed, int quantMin, int quantMax) {

    public QdqParams {
        if (scale == null || zeroPoint == null || scale.length == 0 || scale.length != zeroPoint.length) {
            throw new IllegalArgumentException("scale and zeroPoint must be non-empty arrays of equal length");
        }
        if (axis < 0 && scale.length != 1) {
            throw new IllegalArgumentException("per-tensor QDQ params (axis -1) need one scale, got " + scale.length);
        }
        int lo = signed ? -128 : 0;
        int hi = signed ? 127 : 255;
        if (quantMin < lo || quantMax > hi || quantMin >= quantMax) {
            throw new IllegalArgumentException("quant range [" + quantMin + ", " + quantMax + "] does not fit "
                    + (signed ? "int8" : "uint8"));
        }
        for (int i = 0; i < scale.length; i++) {
            if (!(scale[i] > 0) || zeroPoint[i] < lo || zeroPoint[i] > hi) {
                throw new IllegalArgumentException("bad scale/zero point at " + i + ": " + scale[i] + ", " + zeroPoint[i]);
            }
        }
        scale = scale.clone();
        zeroPoint = zeroPoint.clone();
    }

    /** Per-tensor uint8 activation params over the full 0..255 range. */
    public static QdqParams uint8(float scale, int zeroPoint) {
        return new QdqParams(new float[] {scale}, new int[] {zeroPoint}, -1, false, 0, 255);
    }

    /** Symmetric int8 weight params (zero point 0), per channel along axis 0 or per tensor when one scale. */
    public static QdqParams int8Symmetric(float... scales) {
        return new QdqParams(scales, new int[scales.length], scales.length == 1 ? -1 : 0, true, -128, 127);
    }

    @Override
    public float[] scale() { return scale.clone(); }

    @Override
    public int[] zeroPoint() { return zeroPoint.clone(); }

    public boolean isPerChannel() { return axis >= 0; }

    /** Quantizes {@code w} (row-major, {@code perChannel} values per channel along axis 0) onto the integer grid. */
    int[] quantize(float[] w, int perChannel) {
        int[] q = new int[w.length];
        for (int i = 0; i < w.length; i++) {
            int c = isPerChannel() ? i / perChannel : 0;
            long v = (long) Math.rint(w[i] / scale[c]) + zeroPoint[c];
            q[i] = (int) Math.max(quantMin, Math.min(quantMax, v));
        }
        return q;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QdqParams p && Arrays.equals(scale, p.scale) && Arrays.equals(zeroPoint, p.zeroPoint)
                && axis == p.axis && signed == p.signed && quantMin == p.quantMin && quantMax == p.quantMax;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(scale) * 31 + Arrays.hashCode(zeroPoint);
    }

    @Override
    public String toString() {
        return (signed ? "int8" : "uint8") + (isPerChannel() ? " per-channel(" + scale.length + ")" : " scale="
                + scale[0] + " zp=" + zeroPoint[0]);
    }
}
