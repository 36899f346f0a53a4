package labkit.train;

import ai.djl.ndarray.NDArray;
import java.util.Collection;

/** Gradient clipping by global norm, as PyTorch's {@code torch.nn.utils.clip_grad_norm_(params, max_norm)}. */
public final class GradClip {
    private GradClip() {}

    /**
     * Scales {@code grads} in place so their joint L2 norm is at most {@code maxNorm}
     * (coefficient {@code maxNorm / (norm + 1e-6)} when below 1) and returns the norm before clipping.
     */
    public static double clipGradNorm(Collection<NDArray> grads, double maxNorm) {
        double sq = 0;
        for (NDArray g : grads) {
            try (NDArray s = g.square().sum()) {
                sq += s.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble();
            }
        }
        double total = Math.sqrt(sq);
        double coef = maxNorm / (total + 1e-6);
        if (coef < 1) {
            for (NDArray g : grads) {
                g.muli(coef);
            }
        }
        return total;
    }
}
