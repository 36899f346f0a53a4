package labkit.nn;

import ai.djl.ndarray.NDArray;

/** {@code nn.Identity}: returns its input; what BN fusion leaves where a folded BatchNorm/ReLU used to be. */
public final class Identity extends StatelessBlock {
    @Override
    public NDArray apply(NDArray x, boolean training) {
        return x;
    }
}
