package labkit.train;

import ai.djl.ndarray.NDArray;
import java.util.Locale;

/**
 * Stochastic gradient descent with PyTorch's rule ({@code torch.optim.SGD(params, lr, momentum=0,
 * dampening=0, weight_decay=0, nesterov=False)}): the first step's momentum buffer is the gradient itself,
 * later {@code buf = momentum·buf + (1−dampening)·g}. Its momentum buffers are saved in checkpoints.
 */
public final class Sgd extends StatefulOptimizer {
    private final double momentum;
    private final double dampening;
    private final double weightDecay;
    private final boolean nesterov;

    private Sgd(Builder b) {
        super(b.lr);
        this.momentum = b.momentum;
        this.dampening = b.dampening;
        this.weightDecay = b.weightDecay;
        this.nesterov = b.nesterov;
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("Nesterov momentum requires momentum > 0 and dampening 0");
        }
    }

    /** Plain SGD with learning rate {@code lr}. */
    public static Sgd of(double lr) {
        return builder().lr(lr).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    protected void step(long t, NDArray weight, NDArray grad, Buffers buffers) {
        NDArray g = weightDecay != 0 ? grad.add(weight.mul(weightDecay)) : grad;
        if (momentum != 0) {
            NDArray buf;
            if (!buffers.has("momentum_buffer")) {
                buf = g.duplicate();
                buffers.put("momentum_buffer", buf);
            } else {
                buf = buffers.get("momentum_buffer", null);
                buf.muli(momentum).addi(g.mul(1 - dampening));
            }
            g = nesterov ? g.add(buf.mul(momentum)) : buf;
        }
        weight.subi(g.mul(learningRate()));
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "SGD(lr=%g, momentum=%g, dampening=%g, weight_decay=%g, nesterov=%s)",
                learningRate(), momentum, dampening, weightDecay, nesterov);
    }

    /** Options with PyTorch's names and defaults. */
    public static final class Builder {
        private double lr = 0.01;
        private double momentum;
        private double dampening;
        private double weightDecay;
        private boolean nesterov;

        public Builder lr(double lr) {
            this.lr = lr;
            return this;
        }

        public Builder momentum(double momentum) {
            this.momentum = momentum;
            return this;
        }

        public Builder dampening(double dampening) {
            this.dampening = dampening;
            return this;
        }

        public Builder weightDecay(double weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        public Builder nesterov() {
            this.nesterov = true;
            return this;
        }

        public Sgd build() {
            return new Sgd(this);
        }
    }
}
