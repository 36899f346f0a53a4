package labkit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Global average pooling, N×C×H×W → N×C×1×1, like PyTorch's {@code nn.AdaptiveAvgPool2d(1)}. */
public final class GlobalAvgPool extends StatelessBlock {
    @Override
    public NDArray apply(NDArray x, boolean training) {
        // DJL's PyTorch engine reduces one axis per mean() call ("Only 1 axis is support!")
        return x.mean(new int[] {3}, true).mean(new int[] {2}, true);
    }

    @Override
    protected Shape outputShape(Shape in) {
        return new Shape(in.get(0), in.get(1), 1, 1);
    }
}
