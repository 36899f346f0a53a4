package labkit.augment;

/**
 * Pads an H×W×C image on all four sides with a constant, like torchvision's {@code Pad(padding, fill)} with
 * {@code padding_mode="constant"}: 28×28 Fashion-MNIST images padded by 2 become the 32×32 the Task 1 CNN takes.
 */
public final class Pad implements PixelTransform {
    private final int padding;
    private final float fill;

    /** {@code padding} pixels (>= 0) of value {@code fill} (in [0, 255]) on every side. */
    public Pad(int padding, float fill) {
        if (padding < 0) {
            throw new IllegalArgumentException("Pad: padding must be >= 0, got " + padding);
        }
        if (!(fill >= 0 && fill <= 255)) {
            throw new IllegalArgumentException("Pad: fill must be in [0, 255] (an image value), got " + fill);
        }
        this.padding = padding;
        this.fill = fill;
    }

    /** {@code padding} pixels of black (0) on every side. */
    public Pad(int padding) {
        this(padding, 0f);
    }

    @Override
    public Pixels apply(Pixels px) {
        px.require(Pixels.Layout.HWC, "Pad");
        if (padding == 0) {
            return px;
        }
        int c = px.channels;
        int h = px.height + 2 * padding;
        int w = px.width + 2 * padding;
        float[] out = new float[h * w * c];
        if (fill != 0) {
            java.util.Arrays.fill(out, fill);
        }
        for (int y = 0; y < px.height; y++) {
            System.arraycopy(px.data, y * px.width * c, out, ((y + padding) * w + padding) * c, px.width * c);
        }
        return new Pixels(out, h, w, c, Pixels.Layout.HWC, px.dtype);
    }

    @Override
    public String toString() {
        return "Pad(padding=" + padding + ", fill=" + fill + ")";
    }
}
