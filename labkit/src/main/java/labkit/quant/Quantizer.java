package labkit.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Quantize, dequantize and fake-quantize with given {@link QParams}, as PyTorch's
 * {@code quantize_per_tensor}/{@code quantize_per_channel} and {@code fake_quantize_per_*_affine} compute them:
 * {@code q = clamp(round_half_even(x * (1/scale)) + zeroPoint, quantMin, quantMax)} (multiplying by the float32
 * inverse scale, like PyTorch's kernels), {@code x' = (q - zeroPoint) * scale}.
 */
public final class Quantizer {
    private Quantizer() {}

    /** Integer values of {@code x} (an INT32 array holding numbers in [quantMin, quantMax]). */
    public static NDArray quantize(NDArray x, QParams qp) {
        return quantizeFloat(x, qp).toType(DataType.INT32, false);
    }

    /** Float values {@code (q - zeroPoint) * scale} of integer (or integer-valued) {@code q}. */
    public static NDArray dequantize(NDArray q, QParams qp) {
        NDManager m = q.getManager();
        NDArray[] sz = scaleAndZero(m, q.getShape(), qp);
        return q.toType(DataType.FLOAT32, false).sub(sz[1]).mul(sz[0]);
    }

    /**
     * {@code dequantize(quantize(x))} with PyTorch's straight-through gradient: inside DJL autograd the gradient
     * passes unchanged where {@code quantMin <= round(x/scale)+zp <= quantMax} and is 0 elsewhere. The forward
     * value is exactly the fake-quantized tensor.
     */
    public static NDArray fakeQuantize(NDArray x, QParams qp) {
        return fakeQuantize(x, qp, true);
    }

    /**
     * As {@link #fakeQuantize(NDArray, QParams)}; with {@code withGradient == false} the straight-through term is
     * left out (same values, no gradient, fewer ops: for inference). DJL cannot tell whether a non-leaf array is
     * being recorded ({@code hasGradient()} is false for it), so the caller says.
     */
    public static NDArray fakeQuantize(NDArray x, QParams qp, boolean withGradient) {
        // the 5-8 activation-sized temporaries are closed here, not when the caller's manager closes: a simulated
        // int8 DepthNet (187 observers, batch 4 at 160²) otherwise held ~4 GB of them per forward pass. Closing a
        // Java handle does not free what autograd still needs (QAT), as in Fit's training forward.
        NDArray out;
        try (NDScope scope = new NDScope()) {
            NDManager m = x.getManager();
            NDArray[] sz = scaleAndZero(m, x.getShape(), qp);
            NDArray xs = x.stopGradient();
            NDArray unclamped = xs.mul(sz[2]).round().add(sz[1]);
            NDArray q = unclamped.clip(qp.quantMin(), qp.quantMax());
            NDArray fq = q.sub(sz[1]).mul(sz[0]);
            if (withGradient) {
                NDArray mask = unclamped.gte(qp.quantMin()).logicalAnd(unclamped.lte(qp.quantMax()))
                        .toType(DataType.FLOAT32, false);
                // value: fq + 0; gradient: mask (x - stopGradient(x) is exactly 0 but carries d/dx = 1)
                out = fq.add(x.sub(xs).mul(mask));
            } else {
                out = fq;
            }
            NDScope.unregister(out);
        }
        return out;
    }

    /**
     * Fake quantization that rounds down ({@code floor(x/scale + 1e-3) + zp}, clamped), as ONNX Runtime's uint8
     * bilinear Resize truncates its interpolated values: for up-sampling on its input's grid (no gradient).
     */
    static NDArray fakeQuantizeFloor(NDArray x, QParams qp) {
        NDArray out;
        try (NDScope scope = new NDScope()) {
            NDArray[] sz = scaleAndZero(x.getManager(), x.getShape(), qp);
            NDArray q = x.stopGradient().mul(sz[2]).add(1e-3f).floor().add(sz[1]).clip(qp.quantMin(), qp.quantMax());
            out = q.sub(sz[1]).mul(sz[0]);
            NDScope.unregister(out);
        }
        return out;
    }

    /** Rounded-and-clamped values as floats (no gradient). */
    private static NDArray quantizeFloat(NDArray x, QParams qp) {
        NDArray[] sz = scaleAndZero(x.getManager(), x.getShape(), qp);
        return x.stopGradient().toType(DataType.FLOAT32, false).mul(sz[2]).round().add(sz[1])
                .clip(qp.quantMin(), qp.quantMax());
    }

    /** scale, zero point (as float) and float32 inverse scale, shaped to broadcast against {@code shape}. */
    private static NDArray[] scaleAndZero(NDManager m, Shape shape, QParams qp) {
        float[] s = qp.scale();
        int[] z = qp.zeroPoint();
        float[] inv = new float[s.length];
        float[] zf = new float[s.length];
        for (int i = 0; i < s.length; i++) {
            inv[i] = 1.0f / s[i];
            zf[i] = z[i];
        }
        Shape bshape;
        if (qp.isPerChannel()) {
            int axis = qp.axis();
            if (axis >= shape.dimension() || shape.get(axis) != s.length) {
                throw new IllegalArgumentException("per-channel qparams with " + s.length + " channels on axis "
                        + axis + " do not fit a tensor of shape " + shape);
            }
            long[] dims = new long[shape.dimension()];
            java.util.Arrays.fill(dims, 1);
            dims[axis] = s.length;
            bshape = new Shape(dims);
        } else {
            bshape = new Shape();
        }
        return new NDArray[] {
            m.create(s.length == 1 && !qp.isPerChannel() ? new float[] {s[0]} : s).reshape(bshape),
            m.create(zf).reshape(bshape),
            m.create(inv).reshape(bshape)
        };
    }
}
