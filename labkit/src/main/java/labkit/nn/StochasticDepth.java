package labkit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * torchvision's {@code StochasticDepth(p, mode="row")}: in training, drops the whole residual branch of each
 * sample with probability {@code p} and scales the kept ones by {@code 1/(1-p)}; the identity at inference.
 * Randomness comes from the engine's generator ({@code Engine.getInstance().setRandomSeed(seed)} seeds it).
 */
public final class StochasticDepth extends StatelessBlock {
    private final float p;

    public StochasticDepth(float p) {
        if (p < 0f || p > 1f) {
            throw new IllegalArgumentException("StochasticDepth: drop probability p must be in [0, 1], got " + p);
        }
        this.p = p;
    }

    /** Probability of dropping the branch of one sample in training. */
    public float p() {
        return p;
    }

    @Override
    public NDArray apply(NDArray x, boolean training) {
        if (!training || p == 0f) {
            return x;
        }
        float survival = 1f - p;
        Shape noiseShape = new Shape(x.getShape().get(0), 1, 1, 1);
        NDArray keep = x.getManager().randomUniform(0f, 1f, noiseShape).lt(survival).toType(DataType.FLOAT32, false);
        if (survival > 0f) {
            keep = keep.div(survival);
        }
        return x.mul(keep);
    }

    @Override
    public String toString() {
        return "StochasticDepth(p=" + p + ", mode=row)";
    }
}
