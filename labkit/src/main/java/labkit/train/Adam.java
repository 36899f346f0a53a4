package labkit.train;

import ai.djl.ndarray.NDArray;
import java.util.Locale;

/**
 * Adam (or AdamW) with PyTorch's update rule and defaults ({@code torch.optim.Adam(params, lr=1e-3,
 * betas=(0.9, 0.999), eps=1e-8, weight_decay=0)}): {@code m = β1·m + (1−β1)·g},
 * {@code v = β2·v + (1−β2)·g²}, {@code p −= lr/(1−β1^t) · m / (sqrt(v)/sqrt(1−β2^t) + eps)}. With
 * {@link Builder#decoupled()} weight decay is applied as in {@code AdamW}; otherwise it is added to the gradient.
 * Its moment buffers are saved in checkpoints, so resuming is exact.
 */
public final class Adam extends StatefulOptimizer {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final boolean decoupled;

    private Adam(Builder b) {
        super(b.lr);
        this.beta1 = b.beta1;
        this.beta2 = b.beta2;
        this.eps = b.eps;
        this.weightDecay = b.weightDecay;
        this.decoupled = b.decoupled;
    }

    /** Adam with learning rate {@code lr} and PyTorch's other defaults. */
    public static Adam of(double lr) {
        return builder().lr(lr).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    protected void step(long t, NDArray weight, NDArray grad, Buffers buffers) {
        double lr = learningRate();
        NDArray g = grad;
        if (weightDecay != 0) {
            if (decoupled) {
                weight.muli(1 - lr * weightDecay);
            } else {
                g = grad.add(weight.mul(weightDecay));
            }
        }
        NDArray m = buffers.get("exp_avg", k -> weight.zerosLike());
        NDArray v = buffers.get("exp_avg_sq", k -> weight.zerosLike());
        m.muli(beta1).addi(g.mul(1 - beta1));
        v.muli(beta2).addi(g.mul(g).muli(1 - beta2));
        double bc1 = 1 - Math.pow(beta1, t);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
        NDArray denom = v.sqrt().divi(bc2Sqrt).addi(eps);
        weight.subi(m.div(denom).muli(lr / bc1));
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s(lr=%g, betas=(%g, %g), eps=%g, weight_decay=%g)",
                decoupled ? "AdamW" : "Adam", learningRate(), beta1, beta2, eps, weightDecay);
    }

    /** Options with PyTorch's names and defaults. */
    public static final class Builder {
        private double lr = 1e-3;
        private double beta1 = 0.9;
        private double beta2 = 0.999;
        private double eps = 1e-8;
        private double weightDecay;
        private boolean decoupled;

        /** Learning rate (default 1e-3). */
        public Builder lr(double lr) {
            this.lr = lr;
            return this;
        }

        /** Coefficients for the running averages of the gradient and its square (default 0.9, 0.999). */
        public Builder betas(double beta1, double beta2) {
            if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("betas must be in [0, 1), got " + beta1 + ", " + beta2);
            }
            this.beta1 = beta1;
            this.beta2 = beta2;
            return this;
        }

        /** Term added to the denominator (default 1e-8). */
        public Builder eps(double eps) {
            this.eps = eps;
            return this;
        }

        /** Weight decay (L2 penalty added to the gradient; default 0). */
        public Builder weightDecay(double weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        /** Decoupled weight decay, as {@code torch.optim.AdamW}. */
        public Builder decoupled() {
            this.decoupled = true;
            return this;
        }

        public Adam build() {
            return new Adam(this);
        }
    }
}
