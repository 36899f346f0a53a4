package labkit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Depth-to-space like PyTorch's {@code nn.PixelShuffle(r)}: (N, C·r², H, W) → (N, C, H·r, W·r) with
 * {@code out[n, c, h·r+i, w·r+j] = in[n, c·r² + i·r + j, h, w]} (ONNX "CRD" order). Done as reshape
 * (N, C, r, r, H, W) → transpose (N, C, H, r, W, r) → reshape, since DJL 0.35 has no depth-to-space op.
 */
public final class PixelShuffle extends StatelessBlock {
    private final int r;

    /** A pixel shuffle with upscale factor {@code r} ≥ 1. */
    public PixelShuffle(int upscale) {
        if (upscale < 1) {
            throw new IllegalArgumentException("PixelShuffle upscale must be >= 1, got " + upscale);
        }
        this.r = upscale;
    }

    public int upscale() {
        return r;
    }

    @Override
    public NDArray apply(NDArray x, boolean training) {
        Shape s = x.getShape();
        check(s);
        long c = s.get(1) / ((long) r * r);
        long h = s.get(2);
        long w = s.get(3);
        return x.reshape(s.get(0), c, r, r, h, w).transpose(0, 1, 4, 2, 5, 3).reshape(s.get(0), c, h * r, w * r);
    }

    @Override
    protected Shape outputShape(Shape s) {
        check(s);
        return new Shape(s.get(0), s.get(1) / ((long) r * r), s.get(2) * r, s.get(3) * r);
    }

    private void check(Shape s) {
        if (s.dimension() != 4 || s.get(1) % ((long) r * r) != 0) {
            throw new IllegalArgumentException("PixelShuffle(" + r + ") needs N×(C·" + r * r + ")×H×W input, got " + s);
        }
    }

    @Override
    public String toString() {
        return "PixelShuffle(" + r + ")";
    }
}
