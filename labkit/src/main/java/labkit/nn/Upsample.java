package labkit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Spatial up-sampling of N×C×H×W tensors by an integer factor, like PyTorch's {@code nn.Upsample(scale_factor,
 * mode, align_corners)}. Modes: nearest, bilinear (align_corners False or True) and bicubic. DJL's PyTorch
 * interpolation always passes {@code antialias=True}: for up-sampling that leaves bilinear unchanged, but makes
 * bicubic use PIL's kernel (a = −0.5) rather than PyTorch's default a = −0.75 (OpenCV's INTER_CUBIC). The static
 * {@link #resize} does the same to an explicit size, as {@code F.interpolate(x, (h, w), ..., antialias=True)}.
 */
public final class Upsample extends StatelessBlock {

    /** Interpolation modes, named as in {@code torch.nn.functional.interpolate}. */
    public enum Mode {
        NEAREST, BILINEAR, BILINEAR_ALIGN_CORNERS, BICUBIC
    }

    private final int scale;
    private final Mode mode;

    /** Up-sampling by {@code scale} (≥ 1) with {@code mode}. */
    public Upsample(int scale, Mode mode) {
        if (scale < 1) {
            throw new IllegalArgumentException("Upsample scale must be >= 1, got " + scale);
        }
        this.scale = scale;
        this.mode = mode;
    }

    /** Nearest-neighbour up-sampling by {@code scale}. */
    public static Upsample nearest(int scale) {
        return new Upsample(scale, Mode.NEAREST);
    }

    public int scale() { return scale; }
    public Mode mode() { return mode; }

    @Override
    public NDArray apply(NDArray x, boolean training) {
        Shape s = x.getShape();
        return resize(x, s.get(2) * scale, s.get(3) * scale, mode);
    }

    @Override
    protected Shape outputShape(Shape in) {
        return new Shape(in.get(0), in.get(1), in.get(2) * scale, in.get(3) * scale);
    }

    /** Resizes an N×C×H×W array to {@code h}×{@code w} with {@code mode} (PyTorch {@code F.interpolate}). */
    public static NDArray resize(NDArray x, long h, long w, Mode mode) {
        if (x.getShape().dimension() != 4) {
            throw new IllegalArgumentException("Upsample/resize needs an N×C×H×W array, got shape " + x.getShape());
        }
        Shape s = x.getShape();
        if (s.get(2) == h && s.get(3) == w) {
            return x;
        }
        switch (mode) {
            case NEAREST:
                return x.getNDArrayInternal().interpolation(new long[] {h, w}, 0, false);
            case BILINEAR:
                return x.getNDArrayInternal().interpolation(new long[] {h, w}, 1, false);
            case BICUBIC:
                return x.getNDArrayInternal().interpolation(new long[] {h, w}, 3, false);
            case BILINEAR_ALIGN_CORNERS: {
                // DJL's interpolation ignores align_corners: do it as two small matrix products A_h · x · A_wᵀ
                NDManager m = x.getManager();
                NDArray ah = m.create(alignCornersMatrix((int) s.get(2), (int) h), new Shape(h, s.get(2)))
                        .toType(x.getDataType(), false);
                NDArray aw = m.create(alignCornersMatrix((int) s.get(3), (int) w), new Shape(w, s.get(3)))
                        .toType(x.getDataType(), false);
                return ah.matMul(x).matMul(aw.transpose());
            }
            default:
                throw new IllegalStateException("unknown mode " + mode);
        }
    }

    /** Row-major (out × in) linear-interpolation weights with align_corners=True. */
    static float[] alignCornersMatrix(int in, int out) {
        float[] a = new float[out * in];
        for (int o = 0; o < out; o++) {
            double src = out == 1 ? 0 : o * (double) (in - 1) / (out - 1);
            int i0 = (int) Math.floor(src);
            int i1 = Math.min(i0 + 1, in - 1);
            double f = src - i0;
            a[o * in + i0] += (float) (1 - f);
            a[o * in + i1] += (float) f;
        }
        return a;
    }

    @Override
    public String toString() {
        return "Upsample(scale=" + scale + ", mode=" + mode + ")";
    }

}
