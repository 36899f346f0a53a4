package labkit.augment;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.translate.Transform;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import labkit.Seedable;

/**
 * Applies transforms in order, like torchvision's {@code Compose}. Consecutive labkit transforms run on one
 * plain float copy of the image, so a pipeline reads the input array once and creates one output array
 * (attached to the input's manager) instead of paying DJL's per-op cost at every step; any other DJL
 * {@link Transform} in the list works too and runs on an {@link NDArray} as usual.
 *
 * <p>One seed for a whole pipeline: {@link #seeded(long, Transform...)} or {@link #reseed(long)} give every
 * {@link Seedable} child its own seed, drawn in order from a {@link SplittableRandom} seeded with the pipeline
 * seed (deterministic children take none, so adding one does not change the others' streams; nested
 * {@code Compose}s are reseeded recursively). Thread-safety as for the children: reproducible when one thread
 * uses the pipeline.
 */
public final class Compose implements Transform, Seedable {
    private final List<Transform> transforms;

    /** The transforms, applied first to last. */
    public Compose(Transform... transforms) {
        this(List.of(Check.notNull(transforms, "transforms")));
    }

    /** The transforms, applied first to last. */
    public Compose(List<? extends Transform> transforms) {
        Check.notNull(transforms, "transforms");
        List<Transform> copy = new ArrayList<>(transforms.size());
        for (int i = 0; i < transforms.size(); i++) {
            copy.add(Check.notNull(transforms.get(i), "transforms[" + i + "]"));
        }
        this.transforms = Collections.unmodifiableList(copy);
    }

    /** A pipeline whose random children are all seeded from {@code seed}: same seed, same outputs. */
    public static Compose seeded(long seed, Transform... transforms) {
        Compose c = new Compose(transforms);
        c.reseed(seed);
        return c;
    }

    /** The transforms in order. */
    public List<Transform> transforms() {
        return transforms;
    }

    @Override
    public void reseed(long seed) {
        SplittableRandom seeds = new SplittableRandom(seed);
        for (Transform t : transforms) {
            if (t instanceof Seedable) {
                ((Seedable) t).reseed(seeds.nextLong());
            }
        }
    }

    @Override
    public NDArray transform(NDArray x) {
        Check.notNull(x, "x");
        NDManager manager = x.getManager();
        NDArray array = x;
        Pixels px = null;
        for (Transform t : transforms) {
            if (t instanceof PixelTransform) {
                PixelTransform pt = (PixelTransform) t;
                if (px == null) {
                    px = Pixels.read(array, pt.inputLayout(), t.getClass().getSimpleName());
                }
                px = pt.apply(px);
            } else {
                if (px != null) {
                    array = px.toNDArray(manager);
                    px = null;
                }
                array = t.transform(array);
            }
        }
        if (px != null) {
            return px.toNDArray(manager);
        }
        return array == x ? x.duplicate() : array;
    }

    @Override
    public String toString() {
        return "Compose" + transforms;
    }
}
