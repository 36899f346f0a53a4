package labkit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Flattens every dimension after the batch one, like PyTorch's {@code nn.Flatten()}. */
public final class Flatten extends StatelessBlock {
    @Override
    public NDArray apply(NDArray x, boolean training) {
        return x.reshape(x.getShape().get(0), -1);
    }

    @Override
    protected Shape outputShape(Shape in) {
        return new Shape(in.get(0), in.size() / in.get(0));
    }
}
