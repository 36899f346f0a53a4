package labkit.augment;

import java.util.Random;
import labkit.Seedable;

/**
 * Mirrors an H×W×C image left to right with probability {@code p}, like torchvision's
 * {@code RandomHorizontalFlip(p)}; the flip is an exact column reversal. Seedable, unlike DJL's
 * {@code RandomFlipLeftRight}. Thread-safety as for {@link ColorJitter}.
 */
public final class RandomHorizontalFlip implements PixelTransform, Seedable {
    private final double p;
    private Random random;

    /** Flips half of the images, like torchvision's default. */
    public RandomHorizontalFlip() {
        this(0.5);
    }

    /** Flips with probability {@code p} in [0, 1], unseeded. */
    public RandomHorizontalFlip(double p) {
        this(p, new Random());
    }

    /** Flips with probability {@code p} in [0, 1], seeded. */
    public RandomHorizontalFlip(double p, long seed) {
        this(p, new Random(seed));
    }

    private RandomHorizontalFlip(double p, Random random) {
        this.p = Check.probability(p);
        this.random = random;
    }

    @Override
    public void reseed(long seed) {
        random = new Random(seed);
    }

    @Override
    public Pixels apply(Pixels px) {
        px.require(Pixels.Layout.HWC, "RandomHorizontalFlip");
        return random.nextDouble() < p ? hflip(px) : px;
    }

    /** Reverses the column order ({@code F.hflip}). */
    static Pixels hflip(Pixels px) {
        int w = px.width;
        int c = px.channels;
        float[] d = px.data;
        float[] out = new float[d.length];
        for (int y = 0; y < px.height; y++) {
            int row = y * w * c;
            for (int x = 0; x < w; x++) {
                System.arraycopy(d, row + x * c, out, row + (w - 1 - x) * c, c);
            }
        }
        return px.with(out);
    }

    @Override
    public String toString() {
        return "RandomHorizontalFlip(p=" + p + ")";
    }
}
