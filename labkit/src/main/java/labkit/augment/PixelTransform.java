package labkit.augment;

import ai.djl.ndarray.NDArray;
import ai.djl.translate.Transform;

/**
 * A transform that can work on {@link Pixels} directly, so that {@link Compose} runs a chain of them without
 * converting to and from {@link NDArray} between steps. {@link #transform(NDArray)} does the conversion for
 * a transform used on its own.
 */
interface PixelTransform extends Transform {

    /** The layout this transform reads: H×W×C images for all but {@link Normalize}. */
    default Pixels.Layout inputLayout() {
        return Pixels.Layout.HWC;
    }

    /** Applies the transform; may return {@code px} itself or modify its data in place. */
    Pixels apply(Pixels px);

    /** Reads {@code x}, applies the transform and returns a new array attached to {@code x}'s manager. */
    @Override
    default NDArray transform(NDArray x) {
        Pixels px = Pixels.read(x, inputLayout(), getClass().getSimpleName());
        return apply(px).toNDArray(x.getManager());
    }
}
