package labkit.augment;

/**
 * Rotates an H×W×C image by a fixed angle in degrees, counter-clockwise, about its centre
 * ((w - 1) / 2, (h - 1) / 2), keeping the size and filling uncovered pixels with 0; torchvision's
 * {@code F.rotate(img, angle)}. With {@link Interpolation#NEAREST} a 90° turn of a square image equals
 * {@code torch.rot90} exactly.
 */
public final class Rotate implements PixelTransform {
    private final double angle;
    private final Interpolation interpolation;

    /** Rotation by {@code angle} degrees with nearest-neighbour sampling (torchvision's default). */
    public Rotate(double angle) {
        this(angle, Interpolation.NEAREST);
    }

    /** Rotation by {@code angle} degrees with the given sampling. */
    public Rotate(double angle, Interpolation interpolation) {
        if (!Double.isFinite(angle)) {
            throw new IllegalArgumentException("angle must be a finite number of degrees, got " + angle);
        }
        this.angle = angle;
        this.interpolation = Check.notNull(interpolation, "interpolation");
    }

    @Override
    public Pixels apply(Pixels px) {
        px.require(Pixels.Layout.HWC, "Rotate");
        return rotate(px, angle, interpolation);
    }

    static Pixels rotate(Pixels px, double angle, Interpolation interpolation) {
        if (angle == 0) {
            return px;
        }
        return Warp.affine(px, matrix(angle, (px.width - 1) / 2.0, (px.height - 1) / 2.0), interpolation);
    }

    /**
     * OpenCV's {@code getRotationMatrix2D(centre, angle, 1)}, with cos/sin exact at multiples of 90° so that
     * quarter turns land on whole pixels.
     */
    static double[] matrix(double angle, double cx, double cy) {
        double a;
        double b;
        double quarter = angle / 90.0;
        if (quarter == Math.rint(quarter)) {
            int k = (int) Math.floorMod((long) quarter, 4L);
            a = new double[] {1, 0, -1, 0}[k];
            b = new double[] {0, 1, 0, -1}[k];
        } else {
            double rad = Math.toRadians(angle);
            a = Math.cos(rad);
            b = Math.sin(rad);
        }
        return new double[] {a, b, (1 - a) * cx - b * cy, -b, a, b * cx + (1 - a) * cy};
    }

    @Override
    public String toString() {
        return "Rotate(" + angle + ", " + interpolation + ")";
    }
}
