package labkit.nn;

import ai.djl.ndarray.NDArray;

/**
 * The identity at a point where an int8 model rounds a float intermediate onto its own 8-bit grid (a BiFPN node's
 * fused sum): float models pass through it; labkit.quant's PTQ and QAT put an activation observer here, and the
 * ONNX export writes QuantizeLinear/DequantizeLinear with that observer's qparams.
 */
public final class QuantPoint extends StatelessBlock {
    @Override
    public NDArray apply(NDArray x, boolean training) {
        return x;
    }
}
