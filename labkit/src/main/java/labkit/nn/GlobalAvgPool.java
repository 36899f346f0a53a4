package labkit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Global average pooling, N×C×H×W → N×C×1×1, like PyTorch's {@code nn.AdaptiveAvgPool2d(1)}. */
public final class GlobalAvgPool extends StatelessBlock {
    @Override
    public NDArray apply(NDArray x, boolean training) {
        // DJL's PyTorch engine averages over one axis only ("Only 1 axis is support!"): flatten H×W first
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), -1).mean(new int[] {2}, true).reshape(s.get(0), s.get(1), 1, 1);
    }

    @Override
    protected Shape outputShape(Shape in) {
        return new Shape(in.get(0), in.get(1), 1, 1);
    }
}
