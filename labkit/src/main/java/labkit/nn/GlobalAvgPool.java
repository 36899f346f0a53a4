package labkit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Global average pooling, N×C×H×W → N×C×1×1, like PyTorch's {@code nn.AdaptiveAvgPool2d(1)}. */
public final class GlobalAvgPool extends StatelessBlock {
    @Override
    public NDArray apply(NDArray x, boolean training) {
        return x.mean(new int[] {2, 3}, true);
    }

    @Override
    protected Shape outputShape(Shape in) {
        return new Shape(in.get(0), in.get(1), 1, 1);
    }
}
