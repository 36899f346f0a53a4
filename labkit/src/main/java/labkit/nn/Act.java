package labkit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * A named activation block (ReLU, ReLU6, SiLU, ...). Used instead of DJL's anonymous lambda activations so
 * that model rewrites (BN+ReLU fusion, observer insertion, export) can see which non-linearity sits where.
 */
public final class Act extends StatelessBlock {

    /** The supported non-linearities, named as in {@code torch.nn}. */
    public enum Kind { RELU, RELU6, SILU, SIGMOID, HARDSWISH, HARDSIGMOID, GELU, TANH, IDENTITY }

    private final Kind kind;

    public Act(Kind kind) {
        this.kind = kind;
    }

    public static Act relu() { return new Act(Kind.RELU); }
    public static Act relu6() { return new Act(Kind.RELU6); }
    public static Act silu() { return new Act(Kind.SILU); }
    public static Act sigmoid() { return new Act(Kind.SIGMOID); }
    public static Act identity() { return new Act(Kind.IDENTITY); }

    /** Which non-linearity this block applies. */
    public Kind kind() {
        return kind;
    }

    /** Applies the non-linearity {@code kind} to {@code x}. */
    public static NDArray apply(Kind kind, NDArray x) {
        switch (kind) {
            case RELU: return Activation.relu(x);
            case RELU6: return Activation.relu6(x);
            case SILU: return x.mul(Activation.sigmoid(x));
            case SIGMOID: return Activation.sigmoid(x);
            case HARDSWISH: return x.mul(x.add(3f).clip(0f, 6f)).div(6f);
            case HARDSIGMOID: return x.add(3f).clip(0f, 6f).div(6f);
            case GELU: return Activation.gelu(x);
            case TANH: return Activation.tanh(x);
            case IDENTITY: return x;
            default: throw new IllegalStateException("unknown activation " + kind);
        }
    }

    @Override
    public NDArray apply(NDArray x, boolean training) {
        return apply(kind, x);
    }

    @Override
    public String toString() {
        return "Act(" + kind + ")";
    }
}
