package labkit.nn;

import ai.djl.ndarray.NDArray;

/** PyTorch's {@code DeQuantStub}: an identity marking where a quantized model returns to float. */
public final class DeQuantStub extends StatelessBlock {
    @Override
    public NDArray apply(NDArray x, boolean training) {
        return x;
    }
}
