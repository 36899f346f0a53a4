package labkit.augment;

import java.util.Random;
import labkit.Seedable;

/**
 * With probability {@code p}, moves the four corners of an H×W×C image inward by random amounts up to
 * {@code distortionScale} × half the width/height and warps the image accordingly (same size, fill 0);
 * torchvision's {@code RandomPerspective(distortion_scale, p)} with its {@code get_params}. See
 * {@link Perspective}. Thread-safety as for {@link ColorJitter}.
 */
public final class RandomPerspective implements PixelTransform, Seedable {

    /** Corner positions before and after the move, 4 {x, y} points each: top-left, top-right, bottom-right, bottom-left. */
    public record Params(int[][] startpoints, int[][] endpoints) {
        double[][] start() {
            return toDouble(startpoints);
        }

        double[][] end() {
            return toDouble(endpoints);
        }

        private static double[][] toDouble(int[][] p) {
            double[][] d = new double[4][2];
            for (int i = 0; i < 4; i++) {
                d[i][0] = p[i][0];
                d[i][1] = p[i][1];
            }
            return d;
        }
    }

    private final double distortionScale;
    private final double p;
    private final Interpolation interpolation;
    private Random random;

    /** torchvision's defaults: distortion 0.5, p 0.5, bilinear; unseeded. */
    public RandomPerspective() {
        this(0.5, 0.5);
    }

    /** Distortion in [0, 1], probability p in [0, 1], bilinear; unseeded. */
    public RandomPerspective(double distortionScale, double p) {
        this(distortionScale, p, Interpolation.BILINEAR, new Random());
    }

    /** Distortion in [0, 1], probability p in [0, 1], bilinear; seeded. */
    public RandomPerspective(double distortionScale, double p, long seed) {
        this(distortionScale, p, Interpolation.BILINEAR, new Random(seed));
    }

    /** Distortion in [0, 1], probability p in [0, 1], the given sampling; seeded. */
    public RandomPerspective(double distortionScale, double p, Interpolation interpolation, long seed) {
        this(distortionScale, p, interpolation, new Random(seed));
    }

    private RandomPerspective(double distortionScale, double p, Interpolation interpolation, Random random) {
        if (!(distortionScale >= 0 && distortionScale <= 1)) {
            throw new IllegalArgumentException("distortionScale must be in [0, 1] (fraction of half the width/height "
                    + "a corner may move inward), got " + distortionScale);
        }
        this.distortionScale = distortionScale;
        this.p = Check.probability(p);
        this.interpolation = Check.notNull(interpolation, "interpolation");
        this.random = random;
    }

    @Override
    public void reseed(long seed) {
        random = new Random(seed);
    }

    @Override
    public Pixels apply(Pixels px) {
        px.require(Pixels.Layout.HWC, "RandomPerspective");
        if (!(random.nextDouble() < p)) {
            return px;
        }
        Params params = getParams(px.width, px.height, distortionScale, random);
        return Warp.perspective(px, Perspective.matrix(params.start(), params.end()), interpolation);
    }

    /** torchvision's {@code RandomPerspective.get_params}: the image corners and where they move to. */
    public static Params getParams(int width, int height, double distortionScale, Random random) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("width and height must be >= 1, got " + width + "×" + height);
        }
        int halfHeight = height / 2;
        int halfWidth = width / 2;
        int dx = (int) (distortionScale * halfWidth);
        int dy = (int) (distortionScale * halfHeight);
        int[] topleft = {randint(random, 0, dx + 1), randint(random, 0, dy + 1)};
        int[] topright = {randint(random, width - dx - 1, width), randint(random, 0, dy + 1)};
        int[] botright = {randint(random, width - dx - 1, width), randint(random, height - dy - 1, height)};
        int[] botleft = {randint(random, 0, dx + 1), randint(random, height - dy - 1, height)};
        int[][] start = {{0, 0}, {width - 1, 0}, {width - 1, height - 1}, {0, height - 1}};
        return new Params(start, new int[][] {topleft, topright, botright, botleft});
    }

    /** Like {@code torch.randint(low, high)}: uniform in [low, high). */
    private static int randint(Random random, int low, int high) {
        return low + random.nextInt(high - low);
    }

    @Override
    public String toString() {
        return "RandomPerspective(distortionScale=" + distortionScale + ", p=" + p + ", " + interpolation + ")";
    }
}
