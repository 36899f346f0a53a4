package labkit.nn;

import ai.djl.ndarray.NDArray;

/**
 * PyTorch's {@code QuantStub}: an identity in float models that marks where a quantized model starts; PTQ puts
 * the input observer (and later the input fake-quant) here.
 */
public final class QuantStub extends StatelessBlock {
    @Override
    public NDArray apply(NDArray x, boolean training) {
        return x;
    }
}
