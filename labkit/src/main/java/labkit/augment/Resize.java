package labkit.augment;

/**
 * Resizes an H×W×C image to {@code height}×{@code width} with bilinear interpolation (OpenCV
 * {@code INTER_LINEAR}: half-pixel centres, no antialiasing, i.e. torch's {@code interpolate(...,
 * mode="bilinear", align_corners=False)}; torchvision's PIL path antialiases when shrinking). Keeps the dtype;
 * uint8 results are rounded. Mirrors torchvision's {@code Resize((h, w))}.
 */
public final class Resize implements PixelTransform {
    private final int height;
    private final int width;

    /** Resize to {@code height}×{@code width} pixels (torchvision's order: height first). */
    public Resize(int height, int width) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("height and width must be >= 1, got " + height + "×" + width);
        }
        this.height = height;
        this.width = width;
    }

    @Override
    public Pixels apply(Pixels px) {
        px.require(Pixels.Layout.HWC, "Resize");
        if (px.height == height && px.width == width) {
            return px;
        }
        return Warp.resize(px, height, width);
    }

    @Override
    public String toString() {
        return "Resize(" + height + ", " + width + ")";
    }
}
