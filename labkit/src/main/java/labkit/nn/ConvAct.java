package labkit.nn;

import ai.djl.nn.Block;

/**
 * A fused conv (or linear) followed by its activation, the result of folding BatchNorm away: child "0" is the
 * Conv2d/Linear with the folded bias, child "1" the {@link Act}. Mirrors {@code torch.ao.nn.intrinsic.ConvReLU2d}
 * / {@code LinearReLU} (an {@code nn.Sequential}, so state-dict keys are {@code <path>.0.weight}).
 */
public final class ConvAct extends Sequential {
    public ConvAct(Block conv, Act act) {
        add("0", conv);
        add("1", act);
    }

    /** The conv/linear layer. */
    public Block layer() {
        return getChildren().valueAt(0);
    }

    /** The activation. */
    public Act act() {
        return (Act) getChildren().valueAt(1);
    }
}
