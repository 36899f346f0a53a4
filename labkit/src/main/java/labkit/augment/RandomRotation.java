package labkit.augment;

import java.util.Random;
import labkit.Seedable;

/**
 * Rotates an H×W×C image by an angle drawn uniformly from [-degrees, degrees], like torchvision's
 * {@code RandomRotation(degrees)}: counter-clockwise about the centre, same size, fill 0, nearest-neighbour
 * sampling by default (torchvision's default too). See {@link Rotate}. Thread-safety as for {@link ColorJitter}.
 */
public final class RandomRotation implements PixelTransform, Seedable {
    private final double degrees;
    private final Interpolation interpolation;
    private Random random;

    /** Angles from [-degrees, degrees], nearest-neighbour, unseeded. */
    public RandomRotation(double degrees) {
        this(degrees, Interpolation.NEAREST, new Random());
    }

    /** Angles from [-degrees, degrees], nearest-neighbour, seeded. */
    public RandomRotation(double degrees, long seed) {
        this(degrees, Interpolation.NEAREST, new Random(seed));
    }

    /** Angles from [-degrees, degrees] with the given sampling, unseeded. */
    public RandomRotation(double degrees, Interpolation interpolation) {
        this(degrees, interpolation, new Random());
    }

    /** Angles from [-degrees, degrees] with the given sampling, seeded. */
    public RandomRotation(double degrees, Interpolation interpolation, long seed) {
        this(degrees, interpolation, new Random(seed));
    }

    private RandomRotation(double degrees, Interpolation interpolation, Random random) {
        if (!(degrees >= 0) || Double.isInfinite(degrees)) {
            throw new IllegalArgumentException("degrees must be a finite value >= 0 (angles are drawn from "
                    + "[-degrees, degrees]), got " + degrees);
        }
        this.degrees = degrees;
        this.interpolation = Check.notNull(interpolation, "interpolation");
        this.random = random;
    }

    @Override
    public void reseed(long seed) {
        random = new Random(seed);
    }

    @Override
    public Pixels apply(Pixels px) {
        px.require(Pixels.Layout.HWC, "RandomRotation");
        double angle = -degrees + 2 * degrees * random.nextDouble();
        return Rotate.rotate(px, angle, interpolation);
    }

    @Override
    public String toString() {
        return "RandomRotation(degrees=" + degrees + ", " + interpolation + ")";
    }
}
