package labkit.augment;

import ai.djl.ndarray.NDArray;

import java.util.Random;
import labkit.Seedable;

/**
 * Randomly changes brightness, contrast, saturation and hue, exactly as torchvision's
 * {@code ColorJitter(brightness, contrast, saturation, hue)}: each factor is drawn uniformly from
 * [max(0, 1 - s), 1 + s] (hue from [-h, h]), a strength of 0 switches that adjustment off, and the four are
 * applied in a random order. Works on H×W×C images (C = 1 or 3; one-channel images get no saturation/hue
 * change) of {@code uint8} or {@code float32} valued in [0, 255], keeping the dtype.
 *
 * <p>The static {@code adjust*} methods are torchvision's {@code transforms.functional} counterparts with a
 * fixed factor. DJL's {@code RandomColorJitter} is not used: the PyTorch engine does not implement it
 * ({@code UnsupportedOperationException}) and it defines the factors differently.
 *
 * <p>Thread-safety: draws from one {@link Random}; sharing an instance between threads is safe but makes the
 * output order-dependent, so give each worker its own instance for reproducible runs.
 */
public final class ColorJitter implements PixelTransform, Seedable {
    private final double brightness;
    private final double contrast;
    private final double saturation;
    private final double hue;
    private Random random;

    /** Jitter with the given strengths and an unseeded random stream. */
    public ColorJitter(double brightness, double contrast, double saturation, double hue) {
        this(brightness, contrast, saturation, hue, new Random());
    }

    /** Jitter with the given strengths, seeded: the same seed gives the same outputs. */
    public ColorJitter(double brightness, double contrast, double saturation, double hue, long seed) {
        this(brightness, contrast, saturation, hue, new Random(seed));
    }

    private ColorJitter(double brightness, double contrast, double saturation, double hue, Random random) {
        this.brightness = strength("brightness", brightness);
        this.contrast = strength("contrast", contrast);
        this.saturation = strength("saturation", saturation);
        if (!(hue >= 0 && hue <= 0.5)) {
            throw new IllegalArgumentException("hue must be in [0, 0.5] (the shift is drawn from [-hue, hue] turns "
                    + "of the colour wheel), got " + hue);
        }
        this.hue = hue;
        this.random = random;
    }

    private static double strength(String name, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be a finite value >= 0 (0 switches it off; the factor "
                    + "is drawn from [max(0, 1 - " + name + "), 1 + " + name + "]), got " + value);
        }
        return value;
    }

    @Override
    public void reseed(long seed) {
        random = new Random(seed);
    }

    @Override
    public Pixels apply(Pixels px) {
        px.require(Pixels.Layout.HWC, "ColorJitter");
        // torchvision's get_params: a permutation, then the four factors (None when switched off)
        int[] order = {0, 1, 2, 3};
        for (int i = 3; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        double b = factor(brightness);
        double c = factor(contrast);
        double s = factor(saturation);
        double h = hue == 0 ? Double.NaN : -hue + 2 * hue * random.nextDouble();
        Pixels out = px;
        for (int fn : order) {
            if (fn == 0 && !Double.isNaN(b)) {
                out = ColorOps.brightness(out, b);
            } else if (fn == 1 && !Double.isNaN(c)) {
                out = ColorOps.contrast(out, c);
            } else if (fn == 2 && !Double.isNaN(s)) {
                out = ColorOps.saturation(out, s);
            } else if (fn == 3 && !Double.isNaN(h)) {
                out = ColorOps.hue(out, h);
            }
        }
        return out;
    }

    /** A factor from [max(0, 1 - strength), 1 + strength], or NaN (switched off) for strength 0. */
    private double factor(double strength) {
        if (strength == 0) {
            return Double.NaN;
        }
        double lo = Math.max(0, 1 - strength);
        double hi = 1 + strength;
        return lo + (hi - lo) * random.nextDouble();
    }

    /** Like {@code F.adjust_brightness}: blends with black; factor 0 gives black, 1 the original. */
    public static NDArray adjustBrightness(NDArray img, double factor) {
        nonNegative("factor", factor);
        return ColorOps.brightness(read(img, "adjustBrightness"), factor).toNDArray(img.getManager());
    }

    /** Like {@code F.adjust_contrast}: blends with the mean grey level; 0 gives a flat grey image. */
    public static NDArray adjustContrast(NDArray img, double factor) {
        nonNegative("factor", factor);
        return ColorOps.contrast(read(img, "adjustContrast"), factor).toNDArray(img.getManager());
    }

    /** Like {@code F.adjust_saturation}: blends with the greyscale image; 0 gives grey, 2 doubles saturation. */
    public static NDArray adjustSaturation(NDArray img, double factor) {
        nonNegative("factor", factor);
        return ColorOps.saturation(read(img, "adjustSaturation"), factor).toNDArray(img.getManager());
    }

    /** Like {@code F.adjust_hue}: rotates the hue by {@code factor} turns, factor in [-0.5, 0.5]. */
    public static NDArray adjustHue(NDArray img, double factor) {
        if (!(factor >= -0.5 && factor <= 0.5)) {
            throw new IllegalArgumentException("factor must be in [-0.5, 0.5] (turns of the hue circle), got " + factor);
        }
        return ColorOps.hue(read(img, "adjustHue"), factor).toNDArray(img.getManager());
    }

    private static Pixels read(NDArray img, String who) {
        return Pixels.read(img, Pixels.Layout.HWC, who);
    }

    private static void nonNegative(String name, double value) {
        if (!(value >= 0)) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + value);
        }
    }

    @Override
    public String toString() {
        return "ColorJitter(brightness=" + brightness + ", contrast=" + contrast + ", saturation=" + saturation
                + ", hue=" + hue + ")";
    }
}
